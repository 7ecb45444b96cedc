import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from 'src/common/http/validation';
import { sealBid, MAX_CIPHERTEXT_BYTES } from 'src/sdk';
import { canonicalBase64Length, SubmitBidDto } from '../dto/submit-bid.dto';
import { decodeBase64Strict } from 'src/sdk';
import { randomBytes } from 'crypto';

const TENDER = '6f1c2a4e-8b1d-4c3e-9f0a-1b2c3d4e5f60';
const ORG = '0a1b2c3d-4e5f-4061-8728-394a5b6c7d8e';
const escrow = Buffer.alloc(32, 9).toString('base64');

function good(): Record<string, any> {
  const s = sealBid({
    tenderId: TENDER,
    bidderOrganizationId: ORG,
    plaintext: { price: '100.00', currency: 'CNY' },
    escrowPublicKey: escrow,
    client: { deviceId: 'dev-1', macAddresses: ['02:00:00:00:00:01'] },
  });
  return JSON.parse(JSON.stringify(s.request));
}

const problems = (body: unknown) => {
  const dto = plainToInstance(SubmitBidDto, body);
  return flattenValidationErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }));
};
const fields = (body: unknown) => problems(body).map((p) => p.field);

describe('SubmitBidDto: the sealed envelope of format v1', () => {
  it('accepts what the SDK produces', () => {
    expect(problems(good())).toEqual([]);
  });

  it('refuses non-canonical or malformed base64', () => {
    expect(fields({ ...good(), ciphertext: 'not base64!' })).toContain('ciphertext');
    expect(fields({ ...good(), ciphertext: good().ciphertext.replace(/=+$/, '') + 'A' })).toContain('ciphertext');
    expect(fields({ ...good(), iv: Buffer.alloc(16).toString('base64') })).toContain('iv');
    expect(fields({ ...good(), escrowedKey: Buffer.alloc(91).toString('base64') })).toContain('escrowedKey');
  });

  it('refuses a ciphertext of no more than the tag, and one over the size limit', () => {
    expect(fields({ ...good(), ciphertext: Buffer.alloc(16).toString('base64') })).toContain('ciphertext');
    expect(fields({ ...good(), ciphertext: Buffer.alloc(17).toString('base64') })).not.toContain('ciphertext');
    expect(fields({ ...good(), ciphertext: Buffer.alloc(MAX_CIPHERTEXT_BYTES + 1).toString('base64') })).toContain('ciphertext');
  });

  it('refuses a commitment that is not 64 lowercase hex digits', () => {
    expect(fields({ ...good(), keyCommitment: good().keyCommitment.toUpperCase() })).toContain('keyCommitment');
    expect(fields({ ...good(), keyCommitment: 'ab' })).toContain('keyCommitment');
    expect(fields({ ...good(), keyCommitment: undefined })).toContain('keyCommitment');
  });

  it('requires a client block with a device id; MAC addresses are normalised', () => {
    expect(fields({ ...good(), client: undefined })).toContain('client');
    expect(fields({ ...good(), client: { deviceId: '' } })).toContain('client.deviceId');
    expect(fields({ ...good(), client: { deviceId: 'd', macAddresses: ['zz:00:00:00:00:01'] } })).toContain('client.macAddresses');
    const dto = plainToInstance(SubmitBidDto, { ...good(), client: { deviceId: 'd', macAddresses: ['02-AB-00-00-00-01'] } });
    expect(validateSync(dto)).toEqual([]);
    expect(dto.client.macAddresses).toEqual(['02:ab:00:00:00:01']);
  });

  it('refuses unknown fields (a plaintext price sent by mistake is not silently dropped)', () => {
    expect(fields({ ...good(), price: '100.00' })).toContain('price');
  });
});

describe("canonicalBase64Length: the same verdict as the SDK's decodeBase64Strict, without decoding", () => {
  const agrees = (text: string) => {
    const sdk = decodeBase64Strict(text);
    expect({ text, n: canonicalBase64Length(text) }).toEqual({ text, n: sdk === null ? -1 : sdk.length });
  };
  it('on canonical encodings of every length 0..64 and random sizes', () => {
    for (let n = 0; n <= 64; n++) agrees(randomBytes(n).toString('base64'));
    for (let i = 0; i < 50; i++) agrees(randomBytes(1 + Math.floor(Math.random() * 5000)).toString('base64'));
  });
  it('on non-canonical, padded-wrong, url-safe, whitespace and junk inputs', () => {
    for (const t of [
      'A',
      'AA',
      'AAA',
      'AB==',
      'AAB=',
      'QQ==',
      'QR==',
      'QUI=',
      'QUJ=',
      'QUJD',
      '====',
      'A===',
      'AA=A',
      'ab-_',
      ' QQ==',
      'QQ==\n',
      'Q Q=',
      'QUJDRA==',
      'QUJDRB==',
      '',
    ]) {
      agrees(t);
    }
    const chars = 'ABQgwz09+/=-_ .*é\n\t';
    for (let i = 0; i < 3000; i++) {
      const good = randomBytes(1 + Math.floor(Math.random() * 40)).toString('base64');
      const at = Math.floor(Math.random() * good.length);
      agrees(good.slice(0, at) + chars[Math.floor(Math.random() * chars.length)] + good.slice(at + 1)); // one character changed
    }
    for (let i = 0; i < 2000; i++) {
      const len = 4 * (1 + Math.floor(Math.random() * 3));
      agrees(Array.from({ length: len }, () => 'AQgwBCDE+/=-_ \n'[Math.floor(Math.random() * 15)]).join(''));
    }
  });
});
