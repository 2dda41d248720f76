-- score_threshold.lua: let the LLM score every job against your resume;
-- apply only to good matches, and write a cover letter for great ones.

schedule = { cron = "0 8 * * 1-5", tz = "Europe/Berlin", max_per_day = 10 }

local APPLY_AT = 6         -- apply to jobs scoring 6/10 or more
local LETTER_AT = 8        -- ...and add a cover letter from 8/10

function run()
  local jobs = hawk.search{ keywords = "backend engineer", remote = true, limit = 15 }
  for _, job in ipairs(jobs) do
    if hawk.applied(job) then
      hawk.skip(job, "already applied")
    else
      local s = hawk.llm.score(job)          -- {score = 0..10, reasons = {...}}
      if s.score < APPLY_AT then
        hawk.skip(job, ("score %d is below %d"):format(s.score, APPLY_AT))
      else
        local opts = {}
        if s.score >= LETTER_AT then
          opts.cover_letter = hawk.llm.cover_letter(job, { tone = "warm", max_words = 200 })
        end
        local ok, res = pcall(hawk.apply, job, opts)
        if not ok then
          hawk.warn("stopping: " .. tostring(res))
          return
        end
        hawk.log("applied", { job = job.id, score = s.score,
                              letter = opts.cover_letter ~= nil, status = res.status })
      end
    end
  end
end
