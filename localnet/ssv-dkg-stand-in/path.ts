// Where the stand-in executable lives, for the local network and the tests (services/ssv-dkg.ts
// takes it as `command`).
import { join } from 'node:path';

export const SSV_DKG_STAND_IN = join(__dirname, 'ssv-dkg');
