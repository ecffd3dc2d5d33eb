//! An in-process EVM (revm, at the PRAGUE spec: the BN254 precompiles 0x06, 0x07, 0x08 and
//! modexp 0x05 are live) holding deployed contracts across calls, as a chain would.

use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainContext, MainnetContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind};
use revm::{ExecuteCommitEvm, ExecuteEvm};

type Db = CacheDB<EmptyDB>;
type Evm = MainnetEvm<MainnetContext<Db>>;

/// Gas limit of every transaction (Ethereum's block limit is of this order).
pub const GAS_LIMIT: u64 = 30_000_000;

/// Why a transaction did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The contract reverted with this data (a custom error's selector and arguments).
    #[error("reverted{}", describe_revert(.data))]
    Revert { data: Vec<u8>, gas: u64 },
    #[error("halted: {0}")]
    Halt(String),
    /// The EVM refused the transaction itself (never expected here).
    #[error("transaction refused: {0}")]
    Refused(String),
}

fn describe_revert(data: &[u8]) -> String {
    match super::revert_reason(data) {
        Some(name) => format!(": {name}"),
        None if data.is_empty() => String::new(),
        None => format!(": 0x{}", revm::primitives::hex::encode(data)),
    }
}

/// A successful transaction.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// The returned data (for a deployment, empty).
    pub output: Vec<u8>,
    /// Gas of the whole transaction: the 21,000 base, the calldata, and the execution.
    pub gas: u64,
    /// The logs, as (topics, data).
    pub logs: Vec<(Vec<[u8; 32]>, Vec<u8>)>,
    /// The deployed contract, for a deployment.
    pub created: Option<Address>,
}

/// One in-memory chain. Gas is free (price 0), so accounts need no balance.
pub struct Chain {
    evm: Evm,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    pub fn new() -> Self {
        let ctx = Context::mainnet()
            .with_db(Db::default())
            .modify_cfg_chained(|cfg| {
                cfg.set_spec_and_mainnet_gas_params(SpecId::PRAGUE);
                cfg.disable_nonce_check = true;
            });
        Chain {
            evm: ctx.build_mainnet(),
        }
    }

    fn tx(from: Address, kind: TxKind, data: Vec<u8>) -> Result<TxEnv, TxError> {
        TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(GAS_LIMIT)
            .gas_price(0)
            .build()
            .map_err(|e| TxError::Refused(format!("{e:?}")))
    }

    fn receipt(result: ExecutionResult) -> Result<Receipt, TxError> {
        match result {
            ExecutionResult::Success {
                output, gas, logs, ..
            } => {
                let logs = logs
                    .into_iter()
                    .map(|l| {
                        (
                            l.data.topics().iter().map(|t| t.0).collect(),
                            l.data.data.to_vec(),
                        )
                    })
                    .collect();
                let (output, created) = match output {
                    Output::Call(out) => (out.to_vec(), None),
                    Output::Create(out, addr) => (out.to_vec(), addr),
                };
                Ok(Receipt {
                    output,
                    gas: gas.tx_gas_used(),
                    logs,
                    created,
                })
            }
            ExecutionResult::Revert { output, gas, .. } => Err(TxError::Revert {
                data: output.to_vec(),
                gas: gas.tx_gas_used(),
            }),
            ExecutionResult::Halt { reason, .. } => Err(TxError::Halt(format!("{reason:?}"))),
        }
    }

    /// Deploys `creation_code` (constructor arguments appended) from `from`.
    pub fn deploy(&mut self, from: Address, creation_code: Vec<u8>) -> Result<Address, TxError> {
        let tx = Self::tx(from, TxKind::Create, creation_code)?;
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| TxError::Refused(format!("{e:?}")))?;
        Self::receipt(result)?
            .created
            .ok_or_else(|| TxError::Halt("the deployment made no contract".into()))
    }

    /// Sends a transaction to `to`, committing its effects when it succeeds.
    pub fn send(&mut self, from: Address, to: Address, data: Vec<u8>) -> Result<Receipt, TxError> {
        let tx = Self::tx(from, TxKind::Call(to), data)?;
        let result = self
            .evm
            .transact_commit(tx)
            .map_err(|e| TxError::Refused(format!("{e:?}")))?;
        Self::receipt(result)
    }

    /// Runs a call without committing anything (an `eth_call`).
    pub fn call(&mut self, to: Address, data: Vec<u8>) -> Result<Receipt, TxError> {
        let tx = Self::tx(Address::ZERO, TxKind::Call(to), data)?;
        let result = self
            .evm
            .transact(tx)
            .map_err(|e| TxError::Refused(format!("{e:?}")))?;
        Self::receipt(result.result)
    }

    /// The runtime code at `addr` (empty when none).
    pub fn code(&mut self, addr: Address) -> Vec<u8> {
        use revm::context_interface::ContextTr;
        use revm::DatabaseRef;
        self.evm
            .ctx
            .db_ref()
            .basic_ref(addr)
            .ok()
            .flatten()
            .and_then(|a| a.code)
            .map(|c| c.original_bytes().to_vec())
            .unwrap_or_default()
    }
}
