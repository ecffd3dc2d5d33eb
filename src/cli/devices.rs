//! `kiln devices`

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    println!("kiln {}: backends and devices", env!("CARGO_PKG_VERSION"));
    println!();
    for (known, devices) in kiln::backends::probe() {
        println!("{:<9} {}", known.name, known.description);
        match devices {
            Ok(devices) => {
                for device in devices {
                    for line in device.to_string().lines() {
                        println!("    {line}");
                    }
                }
            }
            Err(kiln::backends::OpenError::NotCompiledIn { .. }) => {
                println!("    not compiled into this build")
            }
            Err(e) => println!("    no device: {e}"),
        }
        println!();
    }
    println!("compiled in: {}", kiln::backends::compiled_in().join(", "));
    Ok(ExitCode::SUCCESS)
}
