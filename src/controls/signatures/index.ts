/** Public surface of signature verification. */
export { verifyObject, verifyRevisions, type VerifyRevisionsOptions } from "./verify.js";
export { verifyLocalRevisions } from "./local.js";
export { buildTrustStore, TrustStore, TrustInputError, type TrustInput, type TrustFile, type TrustOptions } from "./trust.js";
export { SIGNATURE_STATUSES, type ObjectVerdict, type SignatureVerdict, type SignatureStatus, type SignatureFormat } from "./types.js";
export { parseAllowedSigners, AllowedSignersError } from "./allowed-signers.js";
