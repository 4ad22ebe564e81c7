//! A helper process's memory and CPU time, from /proc (Linux), for the load figures.

use std::path::PathBuf;

pub struct Process {
    dir: PathBuf,
}

impl Process {
    pub fn current() -> Process {
        Process {
            dir: PathBuf::from("/proc/self"),
        }
    }

    /// The Python process whose command line names `port` and a `moto_server.py` script.
    pub fn listening_on(port: u16) -> Process {
        let port = port.to_string();
        let found = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .find(|dir| {
                let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
                let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
                // Python itself, not the shell that started it with the same arguments.
                args.first().is_some_and(|a| a.ends_with(b"python"))
                    && args.iter().any(|a| a.ends_with(b"moto_server.py"))
                    && args.contains(&port.as_bytes())
            });
        Process {
            dir: found.unwrap_or_else(|| PathBuf::from("/nonexistent")),
        }
    }

    /// Resident memory in MiB (0 when the process cannot be read).
    pub fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(self.dir.join("status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    }

    /// User + system CPU seconds so far (clock ticks of 1/100 s).
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(self.dir.join("stat")).unwrap_or_default();
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of stat(5): 12 and 13 after the name.
        (ticks(11) + ticks(12)) / 100.0
    }
}
