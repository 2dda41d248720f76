-- weekday_mornings.lua: a weekday morning schedule that never runs
-- during the night, remembering between runs which search it did last.

schedule = {
  cron = "30 8 * * 1-5",            -- 08:30, Monday to Friday
  tz = "Europe/Berlin",
  jitter = "15m",                   -- somewhere between 08:30 and 08:45
  quiet_hours = { "22:00", "07:00" },
  max_per_day = 15,
}

-- Rotates through the searches, one per run.
local SEARCHES = { "embedded c", "firmware", "linux kernel" }

function run()
  local i = (hawk.state.get("next_search") or 0) % #SEARCHES + 1
  hawk.state.set("next_search", i)
  local keywords = SEARCHES[i]
  hawk.log("searching", { keywords = keywords, run_started = hawk.now() })
  for _, job in ipairs(hawk.search{ keywords = keywords, easy_apply = true, limit = 5 }) do
    if hawk.applied(job) then
      hawk.skip(job, "already applied")
    else
      local ok, res = pcall(hawk.apply, job, { review = true })
      if not ok then
        hawk.warn("stopping: " .. tostring(res))
        return
      end
      hawk.log("queued for review", { job = job.id, title = job.title })
    end
  end
end
