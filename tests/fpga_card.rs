//! The Verilator model of the card through the `sim` transport: the register file (identity,
//! HLS-style control, error flags, unmapped and misaligned accesses), card memory, the kernels'
//! argument checks, and the configuration flash (program, verify, interruption, power cut,
//! refusals).
//!
//! Needs `make sim`; without the model these tests fail saying so, unless KILN_SKIP_SIM=1.

use std::ops::ControlFlow;

use kiln_ffi::flash::{self, FlashPhase, FlashState, VALID_MARKER};
use kiln_ffi::regs::{self, block, card, ctrl, msm};
use kiln_ffi::sim::{SimConfig, SimTransport};
use kiln_ffi::{Card, Kernel, Transport, TransportError};

fn sim() -> Option<SimTransport> {
    match SimTransport::open(SimConfig::default()) {
        Ok(t) => Some(t),
        Err(e @ TransportError::ModelNotBuilt { .. })
            if std::env::var_os("KILN_SKIP_SIM").is_some() =>
        {
            println!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

fn sim_card() -> Option<Card> {
    Some(Card::open(Box::new(sim()?)).unwrap())
}

#[test]
fn the_model_identifies_as_a_kiln_card() {
    let Some(mut c) = sim_card() else { return };
    let i = c.info().clone();
    assert_eq!(i.id, regs::ID_MAGIC);
    assert_eq!(i.version, regs::VERSION);
    assert_eq!(i.card_id, regs::SIM_CARD_ID);
    assert!(i.has(regs::caps::MSM_G1 | regs::caps::NTT | regs::caps::VEC | regs::caps::FLASH));
    assert!(!i.has(regs::caps::MSM_G2));
    assert_eq!(i.msm_latency, 48);
    assert_eq!(i.msm_max_windows, 64);
    assert!(i.dram_bytes >= 1 << 24);
    assert_eq!(i.status, 0);
    assert_eq!(c.refresh_status().unwrap(), 0);
    assert!(c.describe().contains("Verilator"));
}

#[test]
fn registers_read_back_and_bad_accesses_are_refused() {
    let Some(mut t) = sim() else { return };
    t.write32(card::SCRATCH, 0xA5A5_5A5A).unwrap();
    assert_eq!(t.read32(card::SCRATCH).unwrap(), 0xA5A5_5A5A);
    // Read-only registers ignore writes.
    t.write32(card::ID, 0).unwrap();
    assert_eq!(t.read32(card::ID).unwrap(), regs::ID_MAGIC);
    // Unmapped offsets answer SLVERR, reads and writes alike.
    for offset in [
        0x0FFC,
        block::MSM + 0x7C,
        block::FLASH + 0x400,
        0x4000,
        0xFFFC,
    ] {
        assert!(
            matches!(t.read32(offset), Err(TransportError::Refused { .. })),
            "{offset:#x}"
        );
        assert!(matches!(
            t.write32(offset, 1),
            Err(TransportError::Refused { .. })
        ));
    }
    assert!(matches!(
        t.read32(card::SCRATCH + 2),
        Err(TransportError::Misaligned { .. })
    ));
    // Arguments read back.
    t.write32(block::MSM + msm::COUNT, 1234).unwrap();
    assert_eq!(t.read32(block::MSM + msm::COUNT).unwrap(), 1234);
}

#[test]
fn card_memory_round_trips_and_is_bounded() {
    let Some(mut c) = sim_card() else { return };
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 256) as u8).collect();
    c.write_mem(0x12_3400, &data).unwrap();
    let mut back = vec![0u8; data.len()];
    c.read_mem(0x12_3400, &mut back).unwrap();
    assert_eq!(back, data);
    let size = c.info().dram_bytes;
    assert!(matches!(
        c.write_mem(size - 8, &[0; 16]),
        Err(TransportError::OutOfRange { .. })
    ));
}

#[test]
fn kernel_control_follows_the_hls_convention() {
    let Some(mut c) = sim_card() else { return };
    let k = Kernel::Msm;
    assert_eq!(c.read(k, ctrl::AP_CTRL).unwrap(), ctrl::AP_IDLE);
    // A run with COUNT = 0 is refused at once: ap_done with the argument error flag.
    c.write(k, ctrl::IER, 1).unwrap();
    c.write(k, ctrl::GIE, 1).unwrap();
    c.write(k, ctrl::AP_CTRL, ctrl::AP_START).unwrap();
    c.transport().pause();
    let status = c.read(k, ctrl::AP_CTRL).unwrap();
    assert_eq!(
        status & (ctrl::AP_DONE | ctrl::AP_IDLE),
        ctrl::AP_DONE | ctrl::AP_IDLE
    );
    // ap_done cleared when read.
    assert_eq!(c.read(k, ctrl::AP_CTRL).unwrap() & ctrl::AP_DONE, 0);
    assert_eq!(c.read(k, ctrl::ERROR).unwrap(), msm::ERR_ARGS);
    assert_eq!(c.read(k, ctrl::ISR).unwrap(), 1);
    c.write(k, ctrl::ISR, 1).unwrap();
    assert_eq!(c.read(k, ctrl::ISR).unwrap(), 0);
    // Through Card::run the refusal is an error naming the flags.
    let err = c.run(k).unwrap_err();
    match err {
        TransportError::CardError { flags, detail, .. } => {
            assert_eq!(flags, msm::ERR_ARGS);
            assert!(detail.contains("bad arguments"), "{detail}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn the_msm_kernel_checks_its_arguments() {
    let Some(mut c) = sim_card() else { return };
    let k = Kernel::Msm;
    let size = c.info().dram_bytes;
    let run = |c: &mut Card, bases: u64, count: u32, windows: u32, buckets: u32| {
        c.write64(k, msm::BASES_LO, bases).unwrap();
        c.write64(k, msm::DIGITS_LO, 0x10_0000).unwrap();
        c.write64(k, msm::OUT_LO, 0x20_0000).unwrap();
        c.write(k, msm::COUNT, count).unwrap();
        c.write(k, msm::WINDOWS, windows).unwrap();
        c.write(k, msm::BUCKETS, buckets).unwrap();
        match c.run(k) {
            Err(TransportError::CardError { flags, .. }) => flags,
            Ok(_) => 0,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(run(&mut c, 0x1000, 4, 65, 8), msm::ERR_ARGS);
    assert_eq!(run(&mut c, 0x1000, 4, 64, 1 << 10), msm::ERR_CAPACITY);
    assert_eq!(run(&mut c, 0x1010, 4, 32, 128), msm::ERR_ALIGN);
    assert_eq!(run(&mut c, size - 64, 4, 32, 128), msm::ERR_RANGE);
    // A digit larger than the buckets per window: the card flags it rather than write
    // outside the window. Digits of 3 (bucket 1, negative) and 0x20 (bucket 16 of 8).
    c.write_mem(0x1000, &[1u8; 64]).unwrap();
    let mut digits = vec![0u8; 32];
    digits[0..4].copy_from_slice(&0x20u32.to_le_bytes());
    c.write_mem(0x10_0000, &digits).unwrap();
    assert_eq!(run(&mut c, 0x1000, 1, 1, 8), msm::ERR_DIGIT);
}

fn image(card_id: u32, len: usize, seed: u8) -> Vec<u8> {
    let bits: Vec<u8> = (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
        .collect();
    flash::pack(card_id, &bits)
}

#[test]
fn a_flashed_image_is_verified_then_marked_valid() {
    let Some(mut c) = sim_card() else { return };
    assert_eq!(flash::read_state(&mut c).unwrap(), FlashState::Empty);
    let len = c.info().bitstream_bytes as usize;
    let img = image(regs::SIM_CARD_ID, len, 1);
    let mut phases = Vec::new();
    let header = flash::program(&mut c, &img, |p| {
        assert!(p.done < p.total);
        if phases.last() != Some(&p.phase) {
            phases.push(p.phase);
        }
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(
        phases,
        [
            FlashPhase::Erase,
            FlashPhase::Program,
            FlashPhase::Verify,
            FlashPhase::Mark
        ]
    );
    assert_eq!(header.marker, VALID_MARKER);
    match flash::read_state(&mut c).unwrap() {
        FlashState::Valid(h) => assert_eq!(h, header),
        other => panic!("{other:?}"),
    }
    assert!(flash::verify_digest(&mut c, &header).unwrap());
}

#[test]
fn an_interrupted_flash_is_never_reported_valid() {
    let Some(mut c) = sim_card() else { return };
    let len = c.info().bitstream_bytes as usize;
    let first = image(regs::SIM_CARD_ID, len, 1);
    let second = image(regs::SIM_CARD_ID, len, 2);
    flash::program(&mut c, &first, |_| ControlFlow::Continue(())).unwrap();

    // Stop half-way through programming the second image (as a crash or Ctrl-C would).
    let mut programmed = 0;
    let err = flash::program(&mut c, &second, |p| {
        if p.phase == FlashPhase::Program {
            programmed += 1;
            if programmed > 100 {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(matches!(err, TransportError::Aborted(_)), "{err}");
    let state = flash::read_state(&mut c).unwrap();
    match &state {
        FlashState::Incomplete(h) => {
            assert_eq!(h.sha256, flash::ImageHeader::parse(&second).unwrap().sha256)
        }
        other => panic!("an interrupted flash reads as {other:?}"),
    }

    // Stop right after the erase: no header at all, and not the old image either.
    let err = flash::program(&mut c, &second, |p| {
        if p.phase == FlashPhase::Program {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap_err();
    assert!(matches!(err, TransportError::Aborted(_)));
    assert_eq!(flash::read_state(&mut c).unwrap(), FlashState::Empty);

    // A complete flash afterwards is valid.
    let h = flash::program(&mut c, &second, |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(flash::read_state(&mut c).unwrap(), FlashState::Valid(h));
}

#[test]
fn a_power_cut_during_the_flash_fails_the_verify_and_leaves_no_valid_image() {
    let Some(mut c) = sim_card() else { return };
    let len = c.info().bitstream_bytes as usize;
    let img = image(regs::SIM_CARD_ID, len, 3);
    // The chip loses power after 30 erase/program commands: the rest are silently lost.
    c.transport().as_sim().unwrap().flash_power_cut(Some(30));
    let err = flash::program(&mut c, &img, |_| ControlFlow::Continue(())).unwrap_err();
    assert!(err.to_string().contains("read-back"), "{err}");
    assert!(!matches!(
        flash::read_state(&mut c).unwrap(),
        FlashState::Valid(_)
    ));
    // Power back: the flash completes.
    c.transport().as_sim().unwrap().flash_power_cut(None);
    flash::program(&mut c, &img, |_| ControlFlow::Continue(())).unwrap();
    assert!(matches!(
        flash::read_state(&mut c).unwrap(),
        FlashState::Valid(_)
    ));
}

#[test]
fn images_for_another_card_or_of_the_wrong_size_are_refused_untouched() {
    let Some(mut c) = sim_card() else { return };
    let len = c.info().bitstream_bytes as usize;
    let good = image(regs::SIM_CARD_ID, len, 4);
    let h = flash::program(&mut c, &good, |_| ControlFlow::Continue(())).unwrap();
    let mut steps = 0;
    for (bad, needle) in [
        (image(0x5555_0001, len, 4), "card ID"),
        (
            image(regs::SIM_CARD_ID, len - 4, 4),
            "wrong size for this card",
        ),
        (good[..good.len() - 1].to_vec(), "wrong size"),
    ] {
        let err = flash::program(&mut c, &bad, |_| {
            steps += 1;
            ControlFlow::Continue(())
        })
        .unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
    }
    assert_eq!(steps, 0, "a refused image must not start the flash");
    assert_eq!(flash::read_state(&mut c).unwrap(), FlashState::Valid(h));
}

#[test]
fn flash_commands_check_address_and_alignment() {
    let Some(mut t) = sim() else { return };
    let f = |o| block::FLASH + o;
    let flash_bytes = t.read32(card::FLASH_BYTES).unwrap();
    for (cmd, addr, expected) in [
        (regs::flash::CMD_ERASE, 0x100, regs::flash::ERR_ALIGN),
        (regs::flash::CMD_PROGRAM, 0x10, regs::flash::ERR_ALIGN),
        (regs::flash::CMD_READ, flash_bytes, regs::flash::ERR_RANGE),
        (7, 0, regs::flash::ERR_COMMAND),
    ] {
        t.write32(f(regs::flash::ADDR), addr).unwrap();
        t.write32(f(regs::flash::CMD), cmd).unwrap();
        let status = t.read32(f(regs::flash::STATUS)).unwrap();
        assert_eq!(status & regs::flash::STATUS_BUSY, 0);
        assert_ne!(status & regs::flash::STATUS_ERROR, 0);
        assert_eq!(
            t.read32(f(regs::flash::ERROR)).unwrap(),
            expected,
            "cmd {cmd} at {addr:#x}"
        );
    }
}
