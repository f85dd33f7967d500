// The signed voluntary exit as the Beacon API carries it. Defined here, beside the client that posts
// it, so that the beacon modules import nothing from keys/ (keys/voluntary-exit.ts signs it).

/** A signed exit in Beacon API JSON, the body of POST /eth/v1/beacon/pool/voluntary_exits. */
export interface SignedVoluntaryExitJson {
  message: { epoch: string; validator_index: string };
  signature: string;
}
