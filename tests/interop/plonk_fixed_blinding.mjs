// Runs snarkjs's own PLONK prover with the eleven blinding scalars fixed, so a test can compare
// kiln's proof with snarkjs's byte for byte. snarkjs draws b1..b11 with `curve.Fr.random()` at the
// start of round 1 and nowhere else; ffjavascript keeps one BN254 curve object per process
// (globalThis.curve_bn128), so replacing `random` on it before proving fixes them.
//
//   node plonk_fixed_blinding.mjs NODE_MODULES ZKEY WTNS B1 ... B11   (decimal blinding scalars)
//
// Prints {"proof": ..., "publicSignals": ...} as JSON on stdout.
import { pathToFileURL } from "node:url";
import path from "node:path";

const [modules, zkey, wtns, ...blinding] = process.argv.slice(2);
if (!modules || !zkey || !wtns || blinding.length !== 11) {
    console.error("usage: node plonk_fixed_blinding.mjs NODE_MODULES ZKEY WTNS B1 ... B11");
    process.exit(2);
}
const load = (p) => import(pathToFileURL(path.join(modules, p)).href);
const { buildBn128 } = await load("ffjavascript/main.js");
const snarkjs = await load("snarkjs/main.js");

const curve = await buildBn128();
const scalars = blinding.map((b) => curve.Fr.e(BigInt(b)));
let drawn = 0;
curve.Fr.random = () => {
    if (drawn >= scalars.length) throw new Error("snarkjs drew more than 11 random scalars");
    return scalars[drawn++];
};
// KILN_DEBUG=1 prints snarkjs's intermediate values (challenges, Lagrange evaluations) on stderr.
const logger = process.env.KILN_DEBUG ? { debug: console.error, info: console.error, warn: console.error, error: console.error } : undefined;
const { proof, publicSignals } = await snarkjs.plonk.prove(zkey, wtns, logger);
if (drawn !== 11) throw new Error(`snarkjs drew ${drawn} random scalars, expected 11`);
process.stdout.write(JSON.stringify({ proof, publicSignals }) + "\n");
await curve.terminate();
process.exit(0);
