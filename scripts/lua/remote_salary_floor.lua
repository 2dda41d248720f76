-- remote_salary_floor.lua: remote jobs only, and only when the posted
-- salary is at least a floor.  Postings without a salary are skipped.

schedule = { cron = "0 7 * * 1,3,5", tz = "UTC" }   -- Mon, Wed, Fri

local FLOOR = 100000   -- yearly, in the posting's currency

-- "$150k", "120,000", "$90k-$110k" -> the first number, in units.
local function salary_of(text)
  if type(text) ~= "string" then return nil end
  local num, k = text:match("(%d[%d,%.]*)%s*([kK]?)")
  if not num then return nil end
  local n = tonumber((num:gsub(",", "")))
  if n and k ~= "" then n = n * 1000 end
  return n
end

function run()
  local jobs = hawk.search{ keywords = "site reliability", remote = true, limit = 25 }
  for _, job in ipairs(jobs) do
    local pay = salary_of(job.salary)
    if job.workplace ~= "remote" then
      hawk.skip(job, "not remote (" .. tostring(job.workplace) .. ")")
    elseif pay == nil then
      hawk.skip(job, "no salary posted")
    elseif pay < FLOOR then
      hawk.skip(job, ("salary %d is below %d"):format(pay, FLOOR))
    elseif not hawk.applied(job) then
      local ok, res = pcall(hawk.apply, job, { review = true })
      if not ok then
        hawk.warn("stopping: " .. tostring(res))
        return
      end
      hawk.log("prepared for review", { job = job.id, salary = pay, status = res.status })
    end
  end
end
