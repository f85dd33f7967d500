// The ssv-dkg v3.1.0 wire messages the bot reads (and the stand-in writes), in SSZ as fastssz
// encodes the Go types, plus the operators' RSA signature scheme.
//
//   ssvlabs/ssv-dkg pkgs/wire/types.go
//     Transport       { Type TransportType(uint64); Identifier [24]byte; Data []byte ssz-max:8388608;
//                       Version []byte ssz-max:128 }
//     SignedTransport { Message *Transport; Signer []byte ssz-max:2048; Signature []byte ssz-max:2048 }
//     Pong            { ID uint64; PubKey []byte ssz-max:2048; Multisig bool; EthClientConnected bool }
//                     (v3.x: initiator.processPongMessage prints "multisig ready 👌 but NOT connected to
//                      ethereum network 🚫" from the two bools; PubKey is the base64 operator key text)
//     TransportType   iota: Init 0 … Error 8, Ping 9, Pong 10, Result 11 …
//   ssvlabs/dkg-spec types.go
//     Proof           { ValidatorPubKey [48]; EncryptedShare []byte ssz-max:512; SharePubKey [48]; Owner [20]byte }
//   ssvlabs/dkg-spec crypto/rsa.go
//     SignRSA(sk, msg) = RSASSA-PSS(SHA-256, salt length auto = max) over sha256(msg); VerifyRSA the same.
//     A pong is signed over SSZ(Transport); a proof over HashTreeRoot(Proof) (proof.go VerifyCeremonyProof).
//
// @chainsafe/ssz is ESM-only: the types are built once, on first use, through the shared loader (keys/esm.ts).
import { constants, sign, verify, type KeyObject } from 'node:crypto';
import { loadSsz } from '../esm/loaders';

export const PONG_MESSAGE_TYPE = 10;

export interface Transport {
  type: number;
  identifier: Uint8Array;
  data: Uint8Array;
  version: Uint8Array;
}

export interface SignedTransport {
  message: Transport;
  signer: Uint8Array;
  signature: Uint8Array;
}

export interface Pong {
  id: number;
  /** The operator's key as ssv-dkg holds it: the bytes of the base64 "RSA PUBLIC KEY" PEM text. */
  pubKey: Uint8Array;
  multisig: boolean;
  ethClientConnected: boolean;
}

export interface Proof {
  validatorPubKey: Uint8Array;
  encryptedShare: Uint8Array;
  sharePubKey: Uint8Array;
  owner: Uint8Array;
}

async function buildTypes() {
  const { BooleanType, ByteListType, ByteVectorType, ContainerType, UintNumberType } = await loadSsz();
  const uint64 = new UintNumberType(8);
  const transport = new ContainerType({
    type: uint64,
    identifier: new ByteVectorType(24),
    data: new ByteListType(8_388_608),
    version: new ByteListType(128),
  });
  return {
    transport,
    signedTransport: new ContainerType({
      message: transport,
      signer: new ByteListType(2048),
      signature: new ByteListType(2048),
    }),
    pong: new ContainerType({
      id: uint64,
      pubKey: new ByteListType(2048),
      multisig: new BooleanType(),
      ethClientConnected: new BooleanType(),
    }),
    proof: new ContainerType({
      validatorPubKey: new ByteVectorType(48),
      encryptedShare: new ByteListType(512),
      sharePubKey: new ByteVectorType(48),
      owner: new ByteVectorType(20),
    }),
  };
}

let typesPromise: ReturnType<typeof buildTypes> | undefined;
function types(): ReturnType<typeof buildTypes> {
  typesPromise ??= buildTypes();
  return typesPromise;
}

export async function encodeTransport(t: Transport): Promise<Uint8Array> {
  return (await types()).transport.serialize(t);
}

export async function encodeSignedTransport(st: SignedTransport): Promise<Uint8Array> {
  return (await types()).signedTransport.serialize(st);
}

/** Throws on bytes that are not a well-formed SignedTransport (offsets, limits). */
export async function decodeSignedTransport(bytes: Uint8Array): Promise<SignedTransport> {
  return (await types()).signedTransport.deserialize(bytes);
}

export async function encodePong(p: Pong): Promise<Uint8Array> {
  return (await types()).pong.serialize(p);
}

export async function decodePong(bytes: Uint8Array): Promise<Pong> {
  return (await types()).pong.deserialize(bytes);
}

export async function proofHashTreeRoot(p: Proof): Promise<Uint8Array> {
  return (await types()).proof.hashTreeRoot(p);
}

/** dkg-spec SignRSA: PSS, SHA-256, maximal salt, over sha256(message). */
export function signRsa(privateKey: KeyObject, message: Uint8Array): Buffer {
  return sign('sha256', message, {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN,
  });
}

/** dkg-spec VerifyRSA: PSS, SHA-256, any salt length. */
export function verifyRsa(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  return verify(
    'sha256',
    message,
    { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
    signature,
  );
}

/** A signed pong as an operator answers GET /health_check: SignedTransport{Transport{Pong}}. */
export async function buildSignedPong(opts: {
  privateKey: KeyObject;
  operatorId: number;
  publicKeyBase64: string;
  version: string;
  ethClientConnected: boolean;
}): Promise<Uint8Array> {
  const pubKey = Buffer.from(opts.publicKeyBase64, 'utf8');
  const data = await encodePong({
    id: opts.operatorId,
    pubKey,
    multisig: true,
    ethClientConnected: opts.ethClientConnected,
  });
  const message: Transport = {
    type: PONG_MESSAGE_TYPE,
    identifier: new Uint8Array(24),
    data,
    version: Buffer.from(opts.version, 'utf8'),
  };
  const signature = signRsa(opts.privateKey, await encodeTransport(message));
  return encodeSignedTransport({ message, signer: pubKey, signature });
}

export interface VerifiedPong {
  pong: Pong;
  version: string;
  /** pong.PubKey as text (the base64 operator key). */
  publicKeyBase64: string;
}

/**
 * Decodes a /health_check answer and checks its type and its signature against `publicKey`
 * (or against the key the pong names, when absent, as `ssv-dkg ping` does).
 */
export async function readSignedPong(
  bytes: Uint8Array,
  publicKey: KeyObject | ((pong: Pong) => KeyObject),
): Promise<VerifiedPong> {
  const signed = await decodeSignedTransport(bytes);
  if (signed.message.type !== PONG_MESSAGE_TYPE)
    throw new Error(`wrong message type: got ${signed.message.type}, expected ${PONG_MESSAGE_TYPE} (PongMessageType)`);
  const pong = await decodePong(signed.message.data);
  const key = typeof publicKey === 'function' ? publicKey(pong) : publicKey;
  if (!verifyRsa(key, await encodeTransport(signed.message), signed.signature)) {
    throw new Error('pong signature does not verify with the operator key');
  }
  return {
    pong,
    version: Buffer.from(signed.message.version).toString('utf8'),
    publicKeyBase64: Buffer.from(pong.pubKey).toString('utf8'),
  };
}
