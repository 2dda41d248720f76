-- daily_apply.lua: every morning, apply to the jobs of your active job
-- search configuration (its searches, blacklists and applicant limits).
--
-- Copy it, adjust the schedule, and save it with
--   POST /api/v1/workflows {"name": "daily", "source": "<this file>"}
-- Try it first with POST /api/v1/workflows/{id}/run {"dry_run": true}.

schedule = {
  cron = "0 9 * * *",     -- 09:00 every day
  tz = "UTC",
  jitter = "10m",         -- start up to 10 minutes later, like a person
  max_per_day = 20,       -- this workflow's own cap, below the plan's
}

-- Applies to one job unless a rule of the configuration says no.
-- Returns false when no more applications are possible today.
local function consider(job, cfg)
  local skip, why = hawk.blacklisted(job, cfg)
  if skip then
    hawk.skip(job, why)
    return true
  end
  if hawk.applied(job) then
    hawk.skip(job, "already applied")
    return true
  end
  -- hawk.apply raises an error when a daily limit is reached; stop then.
  local ok, res = pcall(hawk.apply, job)
  if not ok then
    hawk.warn("stopping for today: " .. tostring(res))
    return false
  end
  hawk.log("applied", { job = job.id, company = job.company, status = res.status })
  return true
end

function run()
  local cfg = hawk.config()
  if cfg == nil then
    hawk.warn("no active job search configuration; create one with POST /api/v1/job-configs")
    return
  end
  for _, search in ipairs(cfg.searches or {}) do
    for _, position in ipairs(search.positions or {}) do
      local jobs = hawk.search{
        keywords = position,
        location = search.location,
        remote = cfg.remote == true or nil,
        posted_within = "7d",
        limit = 10,
      }
      for _, job in ipairs(jobs) do
        if not consider(job, cfg) then
          return
        end
      end
    end
  end
end
