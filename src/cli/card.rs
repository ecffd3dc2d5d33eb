//! `kiln card info|flash|pack`: an operator's tools for a kiln FPGA card (or its Verilator
//! model with `--sim`).

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kiln::backends::fpga;
use kiln::backends::fpga::ffi::flash::{self, FlashState};
use kiln::backends::fpga::ffi::Card;

/// Which card.
#[derive(Debug, Args)]
pub struct Target {
    /// The card's device prefix, as the XDMA driver names it (e.g. /dev/xdma0); default: the
    /// first card found, or $KILN_FPGA_DEVICE.
    #[arg(long, conflicts_with = "sim")]
    device: Option<PathBuf>,
    /// Use a fresh Verilator model of the card (built by `make sim`) instead of a real one.
    #[arg(long)]
    sim: bool,
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Identify a card: ID, register-map version, capabilities, sizes, engine status, and the
    /// image in its configuration flash.
    Info {
        #[command(flatten)]
        target: Target,
        /// Also read the whole flash image back and check it against its SHA-256.
        #[arg(long)]
        verify_image: bool,
    },
    /// Program a kiln image (see `kiln card pack`) into the card's configuration flash: erase,
    /// program, read back and compare, and only then mark it valid. An image for another card
    /// ID or of the wrong size is refused; an interrupted flash is never reported valid.
    Flash {
        /// The image file.
        #[arg(long)]
        bitstream: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Wrap a raw bitstream into a kiln image for the card with the given ID.
    Pack {
        /// The card ID the bitstream is for (decimal or 0x-hex; `kiln card info` shows it).
        #[arg(long, value_parser = parse_u32)]
        card_id: u32,
        /// The raw bitstream (.bin) file.
        #[arg(long)]
        bitstream: PathBuf,
        /// Where to write the image.
        #[arg(long)]
        output: PathBuf,
    },
}

fn parse_u32(s: &str) -> Result<u32, String> {
    let t = s.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => t.parse(),
    }
    .map_err(|_| format!("'{s}' is not a 32-bit number (decimal or 0x-hex)"))
}

/// Files larger than this are not read whole (a bitstream for the largest Xilinx parts is
/// about 700 MB).
const MAX_FILE_BYTES: u64 = 1 << 30;

fn read_bounded(path: &Path, limit: u64, what: &str) -> anyhow::Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if len > limit {
        bail!(
            "{} is {len} bytes, more than the {limit} bytes a {what} can be",
            path.display()
        );
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn open(target: &Target) -> anyhow::Result<Card> {
    if target.sim {
        return Ok(fpga::open_sim_card()?);
    }
    let prefix = match &target.device {
        Some(p) => p.clone(),
        None => fpga::default_device().context("no card given (--device PATH, or --sim)")?,
    };
    fpga::open_xdma_card(&prefix).with_context(|| format!("opening {}", prefix.display()))
}

fn describe_flash(state: &FlashState, card_id: u32) -> String {
    match state {
        FlashState::Empty => "empty (erased)".into(),
        FlashState::Valid(h) => format!(
            "valid: card ID {:#010x}{}, {}-byte bitstream, sha256 {}",
            h.card_id,
            if h.card_id == card_id {
                ""
            } else {
                " (NOT this card's ID)"
            },
            h.bitstream_len,
            h.sha256_hex()
        ),
        FlashState::Incomplete(h) => format!(
            "INCOMPLETE: a {}-byte image for card ID {:#010x} without the valid marker (a flash \
             that did not finish); reflash it",
            h.bitstream_len, h.card_id
        ),
        FlashState::Invalid(why) => format!("invalid: {why}"),
    }
}

fn info(target: &Target, verify_image: bool) -> anyhow::Result<ExitCode> {
    let mut card = open(target)?;
    card.refresh_status()?;
    let i = card.info().clone();
    let state = flash::read_state(&mut card)?;
    let rows: Vec<(&str, String)> = vec![
        ("card", card.describe()),
        ("id", format!("{:#010x} (kiln)", i.id)),
        ("version", i.version_string()),
        ("card id", format!("{:#010x}", i.card_id)),
        ("capabilities", i.caps_string()),
        ("clock", format!("{} MHz", i.clock_mhz)),
        ("card memory", format!("{} MiB", i.dram_bytes >> 20)),
        (
            "msm engine",
            format!(
                "{} buckets, up to {} windows, adder latency {} cycles",
                i.msm_buckets, i.msm_max_windows, i.msm_latency
            ),
        ),
        ("ntt engine", format!("2^{} points on chip", i.ntt_log_max)),
        (
            "flash",
            format!(
                "{} KiB ({} KiB sectors, {} B pages); bitstreams of {}",
                i.flash_bytes >> 10,
                i.flash_sector >> 10,
                i.flash_page,
                if i.bitstream_bytes == 0 {
                    "any size".to_string()
                } else {
                    format!("{} bytes", i.bitstream_bytes)
                }
            ),
        ),
        ("status", i.status_string()),
        ("flash image", describe_flash(&state, i.card_id)),
    ];
    for (k, v) in rows {
        println!("{k:<14} {v}");
    }
    if verify_image {
        match &state {
            FlashState::Valid(h) | FlashState::Incomplete(h) => {
                let ok = flash::verify_digest(&mut card, h)?;
                println!(
                    "{:<14} {}",
                    "image digest",
                    if ok {
                        "matches"
                    } else {
                        "DOES NOT MATCH the header"
                    }
                );
                if !ok {
                    return Ok(ExitCode::from(1));
                }
            }
            _ => println!("{:<14} nothing to verify", "image digest"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn program(bitstream: &Path, target: &Target) -> anyhow::Result<ExitCode> {
    let mut card = open(target)?;
    let limit = u64::from(card.info().flash_bytes).min(MAX_FILE_BYTES);
    let image = read_bounded(bitstream, limit, "flash image for this card")?;
    // Refuse before touching the flash.
    let header = flash::check_image(&image, card.info())
        .with_context(|| format!("refusing {}", bitstream.display()))?;
    println!(
        "flashing {} ({}-byte bitstream for card ID {:#010x}) to {}",
        bitstream.display(),
        header.bitstream_len,
        header.card_id,
        card.describe()
    );
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] [{bar:30}] {pos}/{len} {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let result = flash::program(&mut card, &image, |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(p.phase.name());
        ControlFlow::Continue(())
    });
    bar.finish_and_clear();
    let header = result?;
    let state = flash::read_state(&mut card)?;
    println!(
        "flash image    {}",
        describe_flash(&state, card.info().card_id)
    );
    if !matches!(state, FlashState::Valid(ref h) if *h == header) {
        bail!("the flash does not read back as the image just written");
    }
    if target.sim {
        println!("(the simulated card's flash lasts only as long as this command)");
    }
    Ok(ExitCode::SUCCESS)
}

fn pack(card_id: u32, bitstream: &Path, output: &Path) -> anyhow::Result<ExitCode> {
    let raw = read_bounded(bitstream, MAX_FILE_BYTES, "bitstream")?;
    let image = flash::pack(card_id, &raw);
    std::fs::write(output, &image).with_context(|| format!("writing {}", output.display()))?;
    println!(
        "wrote {} ({} bytes: header and a {}-byte bitstream for card ID {card_id:#010x})",
        output.display(),
        image.len(),
        raw.len()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run(command: CardCommand) -> anyhow::Result<ExitCode> {
    match command {
        CardCommand::Info {
            target,
            verify_image,
        } => info(&target, verify_image),
        CardCommand::Flash { bitstream, target } => program(&bitstream, &target),
        CardCommand::Pack {
            card_id,
            bitstream,
            output,
        } => pack(card_id, &bitstream, &output),
    }
}
