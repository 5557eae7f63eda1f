"""Agency websites and online services: availability, response time, certificates, defacement.

A site is data (URL, interval, Gatus-style conditions, keywords); each check is a result row;
consecutive failures open one incident per site and kind; staff accept baselines and confirm
defacements; alerts go through the notifications outbox."""
