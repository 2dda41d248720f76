-- every_other_day.lua: a rule a cron line cannot say.  next_run(now)
-- returns the next start time (epoch seconds) after `now`: here 09:00 UTC
-- every second day, and never on a Sunday.

schedule = { tz = "UTC", quiet_hours = { "20:00", "06:00" } }

local DAY = 86400

function next_run(now)
  local day = now - now % DAY                  -- today 00:00 UTC
  local t = day + 9 * 3600                     -- today 09:00
  if t <= now then t = t + DAY end
  if (t // DAY) % 2 == 1 then t = t + DAY end  -- even days only
  if os.date("!*t", t).wday == 1 then t = t + 2 * DAY end  -- skip Sunday
  return t
end

function run()
  local jobs = hawk.search{ keywords = "product manager", posted_within = "48h", limit = 10 }
  for _, job in ipairs(jobs) do
    -- the description is fetched from the board only when it is read
    local text = (job.description or ""):lower()
    if text:find("relocation", 1, true) then
      hawk.skip(job, "asks for relocation")
    elseif not hawk.applied(job) then
      local ok, res = pcall(hawk.apply, job)
      if not ok then
        hawk.warn("stopping: " .. tostring(res))
        return
      end
      hawk.log("applied", { job = job.id, status = res.status })
    end
  end
end
