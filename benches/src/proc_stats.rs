//! CPU time and peak memory of this process, read from `/proc` (Linux only;
//! elsewhere every figure is `None`).

/// Clock ticks per second of `/proc/self/stat` (`USER_HZ`), 100 on Linux.
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU seconds used by this process so far.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces: count fields after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // After ')': state is field 3, so utime (14) and stime (15) are the 12th and 13th.
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// Peak resident set size (`VmHWM`) in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    status_kib("VmHWM:").map(|kib| kib * 1024)
}

/// Current resident set size (`VmRSS`) in bytes.
pub fn rss_bytes() -> Option<u64> {
    status_kib("VmRSS:").map(|kib| kib * 1024)
}

fn status_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            return;
        }
        let cpu = cpu_seconds().unwrap();
        assert!(cpu >= 0.0);
        // Current first: the peak read afterwards includes it.
        let now = rss_bytes().unwrap();
        let peak = peak_rss_bytes().unwrap();
        assert!(peak >= now && now > 0, "peak {peak}, now {now}");
    }
}
