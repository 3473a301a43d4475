// Operator tasks. Each file registers its tasks with Hardhat when imported by hardhat.config.ts.
import "./deploy";
import "./validator";
import "./gov";
import "./chain";
import "./token";
import "./bridge";
import "./relayer";
import "./economy";
import "./dex";
import "./audit";
import "./node";
import "./anchor";
import "./gas";
import "./gateway";
import "./devnet";
import "./hsm";
