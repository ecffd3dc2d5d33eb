//! What a backend reports about the device it drives (`kiln devices`).

use std::fmt;

/// The kind of hardware behind a backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceKind {
    Cpu,
    Gpu,
    Fpga,
    Simulator,
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceKind::Cpu => "cpu",
            DeviceKind::Gpu => "gpu",
            DeviceKind::Fpga => "fpga",
            DeviceKind::Simulator => "simulator",
        })
    }
}

/// A device's identity and the properties an operator wants to see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The backend driving it.
    pub backend: &'static str,
    pub kind: DeviceKind,
    /// Model name, as the device reports it.
    pub name: String,
    /// Further properties as (key, value) pairs, in display order.
    pub properties: Vec<(String, String)>,
}

impl fmt::Display for DeviceInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} [{}] {}", self.backend, self.kind, self.name)?;
        for (key, value) in &self.properties {
            writeln!(f, "    {key:<18} {value}")?;
        }
        Ok(())
    }
}
