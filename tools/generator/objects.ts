/**
 * Flat things that are not payment cards, as faces with their text lines: documents and
 * invoices, till receipts, phone screens, loyalty cards, sticky notes, business cards. They are
 * the negatives (no card in the photo) and the desk clutter around cards. Every digit run of
 * twelve or more they print fails Luhn, so "no PAN here" stays true for a reader that checks.
 */
import { FaceBuilder, type Face, type FontSpec } from './face.js';
import { luhnValid } from './pan.js';
import type { Rng } from './random.js';
import { CARD_LONG, CARD_SHORT } from './real-card.js';

export const OBJECTS = ['document', 'receipt', 'screen', 'loyalty', 'sticky', 'business-card'] as const;
export type ObjectKind = (typeof OBJECTS)[number];

const WORDS = ['account', 'balance', 'payment', 'due', 'statement', 'order', 'delivery', 'customer', 'service', 'total', 'amount', 'invoice', 'reference', 'please', 'contact', 'period', 'terms', 'monthly', 'update', 'address', 'number', 'date', 'thank', 'you', 'for', 'your', 'the', 'and', 'of', 'to', 'in', 'with', 'is', 'our', 'new', 'store'];
const SANS: FontSpec[] = [{ family: 'DejaVu Sans' }, { family: 'Liberation Sans' }, { family: 'Roboto' }, { family: 'Nimbus Sans' }, { family: 'FreeSans' }];
const SERIF: FontSpec[] = [{ family: 'DejaVu Serif' }, { family: 'Liberation Serif' }, { family: 'Nimbus Roman' }, { family: 'FreeSerif' }];
const MONO: FontSpec[] = [{ family: 'DejaVu Sans Mono' }, { family: 'Liberation Mono' }, { family: 'FreeMono' }, { family: 'Nimbus Mono PS' }];

/** `n` random digits whose whole run fails Luhn (for runs long enough to look like a PAN). */
export function nonLuhnDigits(rng: Rng, n: number): string {
  for (;;) {
    let s = String(rng.int(1, 9));
    while (s.length < n) s += String(rng.int(0, 9));
    if (n < 12 || !luhnValid(s)) return s;
  }
}

/** Digits in groups of `n` (card-like grouping; the whole run is what must fail Luhn). */
const grouped = (digits: string, n: number): string => digits.match(new RegExp(`.{1,${n}}`, 'g'))?.join(' ') ?? digits;

const sentence = (rng: Rng, n: number): string => {
  const w = Array.from({ length: n }, () => rng.pick(WORDS));
  w[0] = w[0]!.charAt(0).toUpperCase() + w[0]!.slice(1);
  return w.join(' ');
};
const dd = (n: number): string => String(n).padStart(2, '0');

/** Draws one object face. */
export async function drawObject(kind: ObjectKind, rng: Rng): Promise<Face> {
  switch (kind) {
    case 'document': {
      const b = new FaceBuilder(850, 1100, 0);
      b.draw(`<rect width="850" height="1100" fill="${rng.pick(['#fbfbf8', '#f4f2ec', '#ffffff'])}"/>`);
      const font = rng.pick([...SANS, ...SERIF]);
      await b.text({ text: rng.pick(['INVOICE', 'Account Statement', 'Delivery Note', 'Notice of Change', 'Tax Receipt']), role: 'other', x: 70, y: 110, size: 44, font: { ...font, weight: 700 }, fill: '#111' });
      await b.text({ text: `Reference ${nonLuhnDigits(rng, 4)}-${nonLuhnDigits(rng, 6)}`, role: 'other', x: 70, y: 170, size: 22, font, fill: '#333' });
      await b.text({ text: `Date ${dd(rng.int(1, 28))}/${dd(rng.int(1, 12))}/20${rng.int(20, 29)}`, role: 'other', x: 780, y: 170, size: 22, font, fill: '#333', align: 'end' });
      let y = 250;
      for (let p = 0; p < 3; p++) {
        for (let l = 0; l < rng.int(3, 5); l++) {
          await b.text({ text: sentence(rng, rng.int(6, 10)), role: 'other', x: 70, y, size: 21, font, fill: '#222' });
          y += 32;
        }
        y += 24;
      }
      // A table of amounts, an IBAN-like account and a phone number: digits in groups, none a PAN.
      for (let r = 0; r < 4; r++) {
        await b.text({ text: `${rng.pick(WORDS)} ${rng.pick(WORDS)}`, role: 'other', x: 70, y, size: 21, font, fill: '#222' });
        await b.text({ text: `${rng.int(1, 999)}.${dd(rng.int(0, 99))}`, role: 'other', x: 780, y, size: 21, font: rng.pick(MONO), fill: '#222', align: 'end' });
        y += 34;
      }
      const iban = `${rng.pick(['DE', 'GB', 'FR', 'NL'])}${dd(rng.int(10, 99))} ${grouped(nonLuhnDigits(rng, 16), 4)} ${dd(rng.int(0, 99))}`;
      await b.text({ text: `IBAN ${iban}`, role: 'other', x: 70, y: y + 30, size: 21, font, fill: '#222' });
      await b.text({ text: `Phone ${rng.int(100, 999)} ${rng.int(100, 999)} ${rng.int(1000, 9999)}`, role: 'other', x: 70, y: y + 70, size: 21, font, fill: '#222' });
      return b.build();
    }
    case 'receipt': {
      const h = rng.int(900, 1200);
      const b = new FaceBuilder(420, h, 0);
      b.draw(`<rect width="420" height="${h}" fill="#fbfbf5"/>`);
      const font = rng.pick(MONO);
      await b.text({ text: rng.pick(['CORNER CAFE', 'FRESH MARKET', 'CITY PHARMACY', 'BOOK NOOK']), role: 'other', x: 210, y: 70, size: 30, font: { ...font, weight: 700 }, fill: '#222', align: 'middle' });
      await b.text({ text: `${rng.int(1, 200)} High Street`, role: 'other', x: 210, y: 105, size: 18, font, fill: '#333', align: 'middle' });
      let y = 170;
      for (let i = 0; i < rng.int(4, 9); i++) {
        await b.text({ text: rng.pick(WORDS).toUpperCase().slice(0, 12), role: 'other', x: 30, y, size: 19, font, fill: '#222' });
        await b.text({ text: `${rng.int(1, 40)}.${dd(rng.int(0, 99))}`, role: 'other', x: 390, y, size: 19, font, fill: '#222', align: 'end' });
        y += 30;
      }
      await b.text({ text: 'TOTAL', role: 'label', x: 30, y: y + 20, size: 24, font: { ...font, weight: 700 }, fill: '#111' });
      await b.text({ text: `${rng.int(10, 200)}.${dd(rng.int(0, 99))}`, role: 'other', x: 390, y: y + 20, size: 24, font: { ...font, weight: 700 }, fill: '#111', align: 'end' });
      await b.text({ text: `${rng.pick(['VISA', 'MASTERCARD', 'DEBIT'])} ************${nonLuhnDigits(rng, 4)}`, role: 'other', x: 30, y: y + 70, size: 18, font, fill: '#222' });
      await b.text({ text: `AUTH ${nonLuhnDigits(rng, 6)}  TID ${nonLuhnDigits(rng, 8)}`, role: 'other', x: 30, y: y + 100, size: 18, font, fill: '#222' });
      await b.text({ text: `${dd(rng.int(1, 28))}/${dd(rng.int(1, 12))}/${dd(rng.int(20, 29))} ${dd(rng.int(7, 22))}:${dd(rng.int(0, 59))}`, role: 'other', x: 30, y: y + 130, size: 18, font, fill: '#222' });
      return b.build();
    }
    case 'screen': {
      const b = new FaceBuilder(560, 1120, 60);
      b.draw(`<rect width="560" height="1120" fill="#0d0d0f"/><rect x="24" y="24" width="512" height="1072" rx="40" fill="${rng.pick(['#ffffff', '#f2f2f7', '#1c1c1e'])}"/>`);
      const darkUi = false;
      const ink = darkUi ? '#eee' : '#111';
      const font = rng.pick(SANS);
      await b.text({ text: `${rng.int(7, 12)}:${dd(rng.int(0, 59))}`, role: 'other', x: 70, y: 80, size: 24, font: { ...font, weight: 700 }, fill: ink });
      await b.text({ text: rng.pick(['Order confirmed', 'Payment sent', 'Your tickets', 'Boarding pass', 'Two-factor code']), role: 'other', x: 60, y: 170, size: 34, font: { ...font, weight: 700 }, fill: ink });
      let y = 240;
      const rows = [`Order no. ${nonLuhnDigits(rng, 10)}`, `Tracking ${grouped(nonLuhnDigits(rng, 16), 4)}`, `Paid with card ending ${nonLuhnDigits(rng, 4)}`, `Code ${nonLuhnDigits(rng, 6)}`, `Seat ${rng.int(1, 40)}${rng.pick(['A', 'C', 'F'])}  Gate ${rng.pick(['B', 'D'])}${rng.int(1, 40)}`, sentence(rng, 4), sentence(rng, 5), `Call ${rng.int(100, 999)} ${rng.int(1000, 9999)}`];
      for (const r of rows) {
        await b.text({ text: r, role: 'other', x: 60, y, size: 24, font, fill: '#333' });
        y += 58;
      }
      b.draw(`<rect x="60" y="${y + 20}" width="440" height="80" rx="20" fill="#2f6fed"/>`);
      await b.text({ text: 'Done', role: 'other', x: 280, y: y + 72, size: 28, font: { ...font, weight: 700 }, fill: '#fff', align: 'middle' });
      return b.build();
    }
    case 'loyalty': {
      const b = new FaceBuilder(CARD_LONG, CARD_SHORT, 36);
      const c = rng.pick(['#c0392b', '#27ae60', '#f39c12', '#8e44ad', '#2c3e50', '#16a085', '#f5f0e1']);
      const dark = c !== '#f5f0e1';
      const ink = dark ? '#ffffff' : '#222222';
      b.draw(`<rect width="${CARD_LONG}" height="${CARD_SHORT}" fill="${c}"/><circle cx="${rng.int(700, 950)}" cy="${rng.int(100, 300)}" r="${rng.int(120, 260)}" fill="#fff" fill-opacity="0.12"/>`);
      await b.text({ text: rng.pick(['COFFEE CLUB', 'Pizzeria Bella', 'BOOK LOVERS', 'FitLife Gym', 'Green Grocer', 'PET PALACE']), role: 'other', x: 70, y: 130, size: 64, font: { ...rng.pick([...SANS, ...SERIF]), weight: 700 }, fill: ink });
      await b.text({ text: rng.pick(['Rewards member', 'FREQUENT GUEST CARD', 'Buy 9, get the 10th free', 'Loyalty card']), role: 'other', x: 70, y: 190, size: 30, font: rng.pick(SANS), fill: ink });
      await b.text({ text: 'MEMBER NO.', role: 'label', x: 70, y: 330, size: 20, font: rng.pick(SANS), fill: ink });
      await b.text({ text: `${nonLuhnDigits(rng, 4)} ${nonLuhnDigits(rng, 3)} ${nonLuhnDigits(rng, 3)}`, role: 'other', x: 70, y: 380, size: 42, font: rng.pick(MONO), fill: ink });
      // A barcode with its (non-Luhn) 13 digits under it.
      const bx = 70, by = 440;
      b.draw(`<rect x="${bx - 16}" y="${by - 10}" width="460" height="150" fill="#fff"/>`);
      let bars = '';
      for (let x = 0; x < 420; x += rng.int(3, 7)) bars += `<rect x="${bx + x}" y="${by}" width="${rng.int(1, 3) * 2}" height="100" fill="#000"/>`;
      b.draw(bars);
      await b.text({ text: nonLuhnDigits(rng, 13), role: 'other', x: bx + 210, y: by + 130, size: 24, font: rng.pick(MONO), fill: '#000', align: 'middle', spacing: 4 });
      return b.build();
    }
    case 'sticky': {
      const b = new FaceBuilder(400, 400, 0);
      b.draw(`<rect width="400" height="400" fill="${rng.pick(['#fdf18a', '#ffc6e0', '#b9f2ff', '#c8f7a5'])}"/>`);
      const hand: FontSpec = rng.pick([{ family: 'URW Gothic' }, { family: 'Nimbus Roman', italic: true }, { family: 'DejaVu Sans', weight: 200 }]);
      await b.text({ text: rng.pick(['Call Anna', 'Groceries', 'Wifi', 'Dentist', 'Parking']), role: 'other', x: 30, y: 90, size: 44, font: hand, fill: '#1d3a8a' });
      await b.text({ text: `${nonLuhnDigits(rng, 4)} ${nonLuhnDigits(rng, 4)}`, role: 'other', x: 30, y: 170, size: 40, font: hand, fill: '#1d3a8a' });
      await b.text({ text: `${dd(rng.int(1, 28))}/${dd(rng.int(1, 12))} ${rng.int(1, 12)}pm`, role: 'other', x: 30, y: 250, size: 40, font: hand, fill: '#1d3a8a' });
      return b.build();
    }
    case 'business-card': {
      const b = new FaceBuilder(1050, 600, 8);
      b.draw(`<rect width="1050" height="600" fill="${rng.pick(['#ffffff', '#f7f4ee', '#eef2f5'])}"/>`);
      const ink = '#222';
      const font = rng.pick(SANS);
      await b.text({ text: rng.pick(['ALEX MORGAN', 'Priya Raman', 'JONAS WEBER', 'Mei Tanaka']), role: 'other', x: 70, y: 160, size: 54, font: { ...font, weight: 700 }, fill: ink });
      await b.text({ text: rng.pick(['Senior Architect', 'Sales Director', 'Dental Surgeon', 'Photographer']), role: 'other', x: 70, y: 215, size: 30, font, fill: '#555' });
      let phone = '';
      do phone = `+${rng.int(1, 49)} ${nonLuhnDigits(rng, 4)} ${nonLuhnDigits(rng, 6)}`;
      while (luhnValid(phone.replace(/\D/g, '')));
      await b.text({ text: phone, role: 'other', x: 70, y: 460, size: 30, font, fill: ink });
      await b.text({ text: `${rng.pick(['alex', 'info', 'hello'])}@example.org`, role: 'other', x: 70, y: 510, size: 30, font, fill: ink });
      return b.build();
    }
  }
}
