---@meta
-- hawk.meta.lua: Lua language server (LuaLS / sumneko) annotations for the
-- workflow API, so editors complete and type-check `hawk.*`.
--
-- Use: put this file in your workspace (or add its folder to
-- "Lua.workspace.library" in .luarc.json) and set "Lua.runtime.version"
-- to "Lua 5.4".  It is never loaded by hawk itself.  The full reference
-- with examples is docs/lua-api.md.

---A job posting returned by hawk.search.
---@class hawk.Job
---@field board string           job board plugin instance that found it
---@field id string              the board's id of the posting
---@field job_id integer         hawk's id of the posting
---@field title string
---@field company string
---@field location string
---@field workplace "remote"|"hybrid"|"onsite"|"any"
---@field salary? string         as posted, e.g. "$120k"
---@field applicants? integer    number of applicants, when the board says
---@field posted_at? integer     epoch seconds
---@field url? string
---@field easy_apply boolean
---@field description? string    fetched from the board when first read

---@class hawk.SearchQuery
---@field board? string          plugin instance name; default: the first job board
---@field keywords? string
---@field location? string
---@field remote? boolean        only remote jobs
---@field posted_within? string|number  "24h", "7d" or seconds
---@field experience? string|string[]   internship, entry, associate, mid_senior, director, executive
---@field job_type? string|string[]     full_time, part_time, contract, temporary, internship, volunteer, other
---@field easy_apply? boolean
---@field limit? integer         1-1000, default 25
---@field distance? integer      0-500 miles
---@field offset? integer

---@class hawk.Score
---@field score integer          0 (no fit) to 10 (perfect fit)
---@field reasons string[]
---@field missing_skills string[]

---@class hawk.ApplyOptions
---@field resume? integer|table  a resume id, or a table from hawk.llm.tailor_resume
---@field cover_letter? string
---@field answers? table<string, string>  question -> answer
---@field review? boolean        prepare only; the application waits for approval

---@class hawk.ApplyResult
---@field status "queued"|"awaiting_review"|"dry_run"|"duplicate"
---@field application_id? integer
---@field would? "submit"|"awaiting_review"  dry runs: what a real run would do

---@class hawk.CoverLetterOptions
---@field tone? string           e.g. "professional" (default), "warm"
---@field max_words? integer     50-1000, default 250
---@field language? string
---@field extra? string          one more instruction for the writer

---@class hawk.AskOptions
---@field system? string
---@field max_tokens? integer
---@field temperature? number
---@field schema? table          a JSON schema; the answer is then a table

---@class hawk.CompanyOptions
---@field within_days? integer   1-3650; default: ever

---The workflow API.  Every table is read-only.
---@class hawk
---@field dry_run boolean        true when the run records nothing
---@field api_version string
hawk = {}

---Searches a job board.  Every job found is stored and can be scored and
---applied to later.
---@param query? hawk.SearchQuery
---@return hawk.Job[]
function hawk.search(query) end

---The active job search configuration (searches, blacklists, ...), or nil;
---with a name or id, that job search of yours (an error when there is none).
---@param search? string|integer
---@return table|nil
function hawk.config(search) end

---The structured data of the default resume, or nil.
---@return table|nil
function hawk.resume() end

---Whether you already have an application for this job.
---@param job hawk.Job
---@return boolean
function hawk.applied(job) end

---Whether you applied to this company (within `within_days` days); also
---returns the time of the last application (epoch seconds).
---@param company string
---@param opts? hawk.CompanyOptions
---@return boolean applied
---@return integer|nil last_applied_at
function hawk.applied_at_company(company, opts) end

---@class hawk.ApplicationsQuery
---@field company? string only applications to this company (any case)
---@field board? string only applications to jobs of this board
---@field since? integer only applications made at or after this time (epoch s)

---Counts your applications (skipped ones not counted) matching every given
---field: "at most 5 per company per month", "at most 20 a day on a board".
---@param query? hawk.ApplicationsQuery
---@return integer count
function hawk.applications(query) end

---Applies a configuration's blacklists, whitelist, workplace and applicant
---limits to a job (default: the active configuration).
---@param job hawk.Job
---@param cfg? table
---@return boolean blacklisted
---@return string|nil reason
function hawk.blacklisted(job, cfg) end

---Records an application (once per job).  Raises an error when the plan's
---or the schedule's daily limit is reached.
---@param job hawk.Job
---@param opts? hawk.ApplyOptions
---@return hawk.ApplyResult
function hawk.apply(job, opts) end

---Counts a job as skipped and logs why.
---@param job hawk.Job
---@param reason? string
function hawk.skip(job, reason) end

---Writes a line to the run's log (shown with the run).
---@param msg string|number
---@param fields? table<string, any>
function hawk.log(msg, fields) end

---Like hawk.log, at warning level.
---@param msg string|number
---@param fields? table<string, any>
function hawk.warn(msg, fields) end

---Now, in epoch seconds.
---@return integer
function hawk.now() end

---Waits; at most lua.max_sleep per call, counted against the run's wall
---clock.
---@param seconds number
function hawk.sleep(seconds) end

---@class hawk.llm
hawk.llm = {}

---Scores how well a job fits your resume.
---@param job hawk.Job
---@return hawk.Score
function hawk.llm.score(job) end

---Writes a cover letter for the job from your resume.
---@param job hawk.Job
---@param opts? hawk.CoverLetterOptions
---@return string
function hawk.llm.cover_letter(job, opts) end

---Rewrites your resume for the job (plan feature custom_resume).
---@param job hawk.Job
---@return table
function hawk.llm.tailor_resume(job) end

---Free-form question to the LLM.
---@param prompt string
---@param opts? hawk.AskOptions
---@return string|table
function hawk.llm.ask(prompt, opts) end

---@class hawk.state
hawk.state = {}

---A value remembered from an earlier run, or nil.
---@param key string
---@return any
function hawk.state.get(key) end

---Remembers a value (nil deletes).  All keys and values of a user share
---lua.state_max bytes.
---@param key string
---@param value any
function hawk.state.set(key, value) end

---@class hawk.Schedule
---@field cron? string           "minute hour day month weekday", e.g. "30 8 * * 1-5"
---@field tz? string             IANA zone, default "UTC"
---@field jitter? string|integer "15m" or seconds (at most 6h)
---@field max_per_day? integer   this workflow's own daily application cap
---@field quiet_hours? string[]  {"22:00", "07:00"}: never start in between

---When the workflow runs by itself (optional).
---@type hawk.Schedule|nil
schedule = nil

---Optional: the next start time after `now` (epoch seconds), or nil for
---none, for rules a cron line cannot say.
---@param now integer
---@return integer|nil
function next_run(now) end

---The workflow itself.
function run() end
