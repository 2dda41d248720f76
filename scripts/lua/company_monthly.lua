-- company_monthly.lua: at most one application per company per month,
-- so no company sees you twice in a short time.

schedule = { cron = "0 10 * * *", tz = "America/New_York" }

local WINDOW_DAYS = 30

function run()
  local jobs = hawk.search{ keywords = "data engineer", limit = 20 }
  local this_run = {}                  -- companies applied to in this run
  for _, job in ipairs(jobs) do
    local company = job.company or ""
    local before, last = hawk.applied_at_company(company, { within_days = WINDOW_DAYS })
    if before then
      hawk.skip(job, ("applied to %s on %s"):format(company, os.date("!%Y-%m-%d", last)))
    elseif this_run[company] then
      hawk.skip(job, "already applied to " .. company .. " in this run")
    else
      local ok, res = pcall(hawk.apply, job)
      if not ok then
        hawk.warn("stopping: " .. tostring(res))
        return
      end
      this_run[company] = true
      hawk.log("applied", { company = company, job = job.id, status = res.status })
    end
  end
end
