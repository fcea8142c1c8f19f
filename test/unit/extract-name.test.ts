/**
 * Cardholder names from read lines (no OCR): where on the card a name may be taken from, and
 * what is missing rather than wrong. Names and boxes are made up; boxes are in view pixels, as
 * a learned reader gives them.
 */
import { describe, expect, it } from 'vitest';
import { extractName, namesSeen, type LineBox, type TextLine } from '../../functions/reader/extract/index.js';

const box = (left: number, top: number, width: number, height: number): LineBox => ({ left, top, width, height });
/** A learned-reader line: box, per-character confidences (all `c`), one reader. */
const read = (text: string, b: LineBox, c = 0.98): TextLine => ({
  text,
  confidence: 0.95,
  box: b,
  charConfidences: Array.from(text, () => c),
  source: 'ppocr',
});
const at = (panBox: LineBox, expiryBox?: LineBox) => ({ panBox, panSources: ['ppocr'], ...(expiryBox ? { expiryBox } : {}) });

describe('extractName: a card turned a quarter round', () => {
  // A card view read with the card on its side: the number runs down the view, the expiry and
  // the name are printed on one side of it (to its right here), the issuer on the other.
  const pan = box(880, 180, 42, 380);
  const expiry = box(920, 275, 27, 230);
  const name = read('LENA K ORTIZ', box(962, 320, 25, 240));
  const issuer = read('RIVER PINE', box(710, 430, 38, 176));

  it('takes the line on the expiry side of the number', () => {
    expect(extractName([issuer, name], at(pan, expiry)).name).toBe('LENA K ORTIZ');
  });
  it('never takes the issuer printed on the far side', () => {
    expect(extractName([issuer], at(pan, expiry))).toMatchObject({ name: null, reason: 'not_near_number' });
  });
  it('the same card turned the other way round', () => {
    // Mirrored: the expiry and the name left of the number, the issuer right of it.
    const m = (b: LineBox): LineBox => box(1200 - b.left - b.width, b.top, b.width, b.height);
    const lines = [read('RIVER PINE', m(issuer.box!)), read('LENA K ORTIZ', m(name.box!))];
    expect(extractName(lines, at(m(pan), m(expiry))).name).toBe('LENA K ORTIZ');
    expect(extractName(lines.slice(0, 1), at(m(pan), m(expiry))).name).toBeNull();
  });
});

describe('extractName: the name row under a level number', () => {
  const pan = box(390, 600, 500, 80);
  const thin = box(390, 600, 500, 40);
  it('takes a name ending where the number ends (a back, or a card upside down)', () => {
    expect(extractName([read('VERA M OKAFOR', box(690, 648, 208, 42))], at(pan)).name).toBe('VERA M OKAFOR');
  });
  it('takes a name under the number\'s start', () => {
    expect(extractName([read('VERA M OKAFOR', box(395, 720, 208, 42))], at(pan)).name).toBe('VERA M OKAFOR');
  });
  it('refuses words that start past the number\'s middle and end nowhere near its end', () => {
    expect(extractName([read('OVER O', box(700, 660, 90, 20))], at(thin)).name).toBeNull();
    expect(extractName([read('VERA M OKAFOR', box(700, 660, 190, 20))], at(thin)).name).toBe('VERA M OKAFOR');
  });
  it('refuses a line beside the card, right of the number', () => {
    expect(extractName([read('JONAS WEBER', box(1000, 640, 240, 30))], at(pan)).name).toBeNull();
  });
});

describe('extractName: a name that may be cut off', () => {
  const pan = box(40, 270, 660, 120);
  it('is missing when its line starts at the view\'s left edge (letters may be lost beyond it)', () => {
    expect(extractName([read('ARIANNE G OKAFOR', box(3, 490, 400, 80))], at(pan))).toMatchObject({ name: null, reason: 'cut_off' });
  });
  it('is missing when its line starts at the view\'s top edge', () => {
    expect(extractName([read('ARIANNE G OKAFOR', box(60, 1, 80, 400))], at(box(140, 40, 120, 620)))).toMatchObject({
      name: null,
      reason: 'cut_off',
    });
  });
  it('is taken a card margin away from the edge', () => {
    expect(extractName([read('ARIANNE G OKAFOR', box(48, 490, 400, 80))], at(pan)).name).toBe('ARIANNE G OKAFOR');
  });
  it('is taken at the edge where the whole number starts at it too (a view cut at the print margin)', () => {
    expect(extractName([read('ARIANNE G OKAFOR', box(3, 490, 400, 80))], at(box(2, 270, 660, 120))).name).toBe('ARIANNE G OKAFOR');
  });
  it('is missing when it ends in an initial (a detector cut the line after the middle initial)', () => {
    expect(extractName([read('KENJI X', box(60, 420, 150, 60))], at(pan))).toMatchObject({ name: null, reason: 'cut_off' });
    expect(extractName([read('KENJI X.', box(60, 420, 160, 60))], at(pan))).toMatchObject({ name: null, reason: 'cut_off' });
    expect(extractName([read('KENJI X PARK', box(60, 420, 260, 60))], at(pan)).name).toBe('KENJI X PARK');
    expect(extractName([read('J PARK', box(60, 420, 120, 60))], at(pan)).name).toBe('J PARK');
  });
  it('another name on the card still wins over the doubt', () => {
    const lines = [read('ARIANNE G OKAFOR', box(3, 490, 400, 80)), read('LENA ORTIZ', box(60, 420, 300, 60))];
    expect(extractName(lines, at(pan)).name).toBe('LENA ORTIZ');
  });
});

describe('extractName: a specimen\'s placeholder in the holder\'s slot', () => {
  const pan = box(40, 330, 750, 54);
  const slot = box(60, 512, 310, 34);
  it('is what the card says, when it is printed at the name\'s size below the number', () => {
    expect(extractName([read('CARDHOLDER', slot)], at(pan)).name).toBe('CARDHOLDER');
    expect(extractName([read('CARD MEMBER', slot)], at(pan)).name).toBe('CARD MEMBER');
  });
  it('never a label beside a name: a real name wins, a small label is no placeholder', () => {
    const label = read('CARDHOLDER', box(60, 470, 120, 14));
    expect(extractName([label, read('LENA ORTIZ', slot)], at(pan)).name).toBe('LENA ORTIZ');
    expect(extractName([label], at(pan)).name).toBeNull();
    expect(extractName([read('CARDHOLDER NAME', slot)], at(pan)).name).toBeNull();
  });
  it('never when a name was seen but doubtful (the label may sit above an unclear name)', () => {
    const weak = { ...read('LENA ORTIZ', box(60, 560, 300, 34)), charConfidences: Array.from('LENA ORTIZ', (_, i) => (i === 1 ? 0.3 : 0.98)) };
    expect(extractName([read('CARDHOLDER', slot), weak], at(pan))).toMatchObject({ name: null, reason: 'low_confidence' });
  });
  it('never where nothing places it in the holder\'s slot', () => {
    expect(extractName([read('CARDHOLDER', box(98, 60, 310, 34))], at(pan)).name).toBeNull();
    expect(extractName([read('CARDHOLDER', slot)]).name).toBeNull();
  });
});

describe('extractName: one word is not a name', () => {
  // On the generated tuning sets every single word below the number was a name with its other
  // words unread (KOVAC for ZOE KOVAC): a wrong name, where missing is right.
  it('refuses a single word in the holder\'s slot', () => {
    expect(extractName([read('KOVAC', box(98, 512, 150, 34))], at(box(40, 330, 750, 54)))).toMatchObject({ name: null, reason: 'not_a_name' });
  });
});

describe('extractName: a card read upside down', () => {
  // The view turned half round: the expiry and the name above the number, the issuer below it;
  // the recogniser reads each line upright all the same.
  const pan = box(350, 300, 580, 40);
  const expiry = box(760, 247, 147, 30);
  const name = read('LENA K ORTIZ', box(750, 127, 197, 25));
  const issuer = read('RIVER PINE', box(740, 540, 214, 41));
  it('takes the name above the number, on the expiry\'s side', () => {
    expect(extractName([issuer, name], at(pan, expiry)).name).toBe('LENA K ORTIZ');
  });
  it('never the issuer printed below it', () => {
    expect(extractName([issuer], at(pan, expiry)).name).toBeNull();
  });
  it('read the right way up, the same lines turned back', () => {
    const turn = (b: LineBox): LineBox => box(1280 - b.left - b.width, 720 - b.top - b.height, b.width, b.height);
    const upright = [read('RIVER PINE', turn(issuer.box!)), read('LENA K ORTIZ', turn(name.box!))];
    expect(extractName(upright, at(turn(pan), turn(expiry))).name).toBe('LENA K ORTIZ');
    expect(extractName(upright.slice(0, 1), at(turn(pan), turn(expiry))).name).toBeNull();
  });
});

describe('extractName: what is not a name however it reads', () => {
  const pan = box(210, 300, 540, 57);
  it('fine print beside the expiry (a label read in pieces) is no name', () => {
    const lines = [read('ES EN', box(672, 448, 29, 9)), read('VERA OKAFOR', box(182, 526, 198, 32))];
    expect(extractName(lines, at(pan, box(712, 432, 111, 39))).name).toBe('VERA OKAFOR');
    expect(extractName(lines.slice(0, 1), at(pan, box(712, 432, 111, 39))).name).toBeNull();
  });
  it('an issuer\'s word misread by a letter or two is still the issuer\'s', () => {
    expect(extractName([read('Pine Finandal', box(220, 420, 300, 40))], at(pan)).name).toBeNull();
    expect(extractName([read('HARBOR NATIONAI', box(220, 420, 300, 40))], at(pan)).name).toBeNull();
  });
  it('surnames that are a card word\'s plural or far from any stay names', () => {
    expect(extractName([read('JOHN MASTERS', box(220, 420, 300, 40))], at(pan)).name).toBe('JOHN MASTERS');
    expect(extractName([read('ANNA FINNEGAN', box(220, 420, 300, 40))], at(pan)).name).toBe('ANNA FINNEGAN');
  });
});

describe('extractName: where a name starts', () => {
  const pan = box(200, 290, 520, 54);
  it('takes a name starting under the number\'s first digits', () => {
    expect(extractName([read('SOFIA HENSON', box(190, 490, 260, 33))], at(pan)).name).toBe('SOFIA HENSON');
  });
  it('refuses one starting well inside the number\'s run (a name cut by the detector, or other print)', () => {
    expect(extractName([read('A HENSON', box(281, 493, 143, 33))], at(pan)).name).toBeNull();
  });
});

describe('extractName: a tilted number at the edge of the view', () => {
  // A card turned a quarter round and cut by the frame's top edge: the number runs down from the
  // edge, the name beside it too. Only a level number's start at the edge shows the view was cut
  // at the card's print margin; a tilted card's rows meet the edge at a slant.
  const expiry = box(285, 182, 63, 127);
  const name = read('KO WEBER', box(199, 0, 58, 139));
  it('is cut off beside a tilted number that starts at the edge too', () => {
    expect(extractName([name], at(box(297, 0, 163, 441), expiry))).toMatchObject({ name: null, reason: 'cut_off' });
  });
  it('is taken beside a level vertical number that starts at the edge too', () => {
    expect(extractName([name], at(box(297, 0, 80, 441), expiry)).name).toBe('KO WEBER');
  });
});

describe('extractName: the number of another reading says nothing of a line', () => {
  // Boxes of two readings are in two views' pixels: a line is measured against the number only
  // when the same reading read both (here placed by the expiry beside it).
  const other = (text: string, b: LineBox): TextLine => ({ ...read(text, b), source: 'ppocr@other' });
  const expiry = box(400, 460, 150, 40);
  it('is not fine print against another reading\'s larger number', () => {
    expect(extractName([other('LENA ORTIZ', box(60, 500, 300, 20))], at(box(40, 330, 750, 120), expiry)).name).toBe('LENA ORTIZ');
    expect(extractName([read('LENA ORTIZ', box(60, 500, 300, 20))], at(box(40, 330, 750, 120), expiry)).name).toBeNull();
  });
  it('is cut off at the view\'s edge although another reading\'s number starts there', () => {
    expect(extractName([other('LENA ORTIZ', box(2, 500, 300, 40))], at(box(1, 330, 750, 120), expiry))).toMatchObject({ name: null, reason: 'cut_off' });
    expect(extractName([read('LENA ORTIZ', box(2, 500, 300, 40))], at(box(1, 330, 750, 120), expiry)).name).toBe('LENA ORTIZ');
  });
  it('a placeholder is not too small against another reading\'s number', () => {
    expect(extractName([other('CARDHOLDER', box(60, 500, 300, 40))], at(box(40, 330, 750, 120), expiry)).name).toBe('CARDHOLDER');
    expect(extractName([read('CARDHOLDER', box(60, 500, 300, 40))], at(box(40, 330, 750, 120), expiry)).name).toBeNull();
  });
});

describe('extractName: a name refused for a doubted letter', () => {
  // What the reading saw, for fusion to weigh against other readings; never the name itself.
  const pan = box(40, 330, 750, 54);
  const weak = (text: string, b: LineBox, at: number): TextLine => ({ ...read(text, b), charConfidences: Array.from(text, (_, i) => (i === at ? 0.35 : 0.98)) });
  it('is missing, with the name as read for fusion', () => {
    expect(extractName([weak('ANNAF HOLM', box(60, 420, 300, 34), 4)], at(pan))).toEqual({ name: null, confidence: null, reason: 'low_confidence', tentative: 'ANNAF HOLM' });
  });
  it('the best placed of two doubted lines (the one under the number, not the one above it)', () => {
    const lines = [weak('RIVER PINE', box(60, 240, 300, 34), 1), weak('LENA ORTIZ', box(60, 420, 300, 34), 1)];
    expect(extractName(lines, at(pan)).tentative).toBe('LENA ORTIZ');
  });
  it('none beside a sure name, and none from a line the geometry refuses', () => {
    expect(extractName([read('LENA ORTIZ', box(60, 420, 300, 34)), weak('ANNA HOLM', box(60, 470, 300, 34), 2)], at(pan))).not.toHaveProperty('tentative');
    expect(extractName([weak('ANNA HOLM', box(1000, 420, 300, 34), 2)], at(pan))).toEqual({ name: null, confidence: null, reason: 'not_near_number' });
  });
});

describe('extractName: Cyrillic capitals read as their Latin look-alikes', () => {
  // АННА СМИРНОВА, read by a Latin recogniser sure of every letter (the tuning sets): a name in
  // Cyrillic is not reported, and this line may as well be one.
  const pan = box(40, 330, 750, 54);
  it('is no name, with what was read for fusion to weigh against another reading', () => {
    expect(extractName([read('AHHA CMMPHOBA', box(60, 420, 300, 34))], at(pan))).toEqual({ name: null, confidence: null, reason: 'non_latin', tentative: 'AHHA CMMPHOBA' });
    expect(extractName([read('TOMA X BEKOB', box(60, 420, 300, 34))], at(pan)).name).toBeNull();
  });
  it('a Latin name with one letter Cyrillic lacks is read as ever', () => {
    expect(extractName([read('ANNA COOK', box(60, 420, 300, 34))], at(pan)).name).toBe('ANNA COOK');
    expect(extractName([read('KATE M COBBS', box(60, 420, 300, 34))], at(pan)).name).toBe('KATE M COBBS');
  });
});

describe('namesSeen', () => {
  it('lists every name a reading read, in capitals, wherever it is and whether taken or not', () => {
    const lines = [
      read('LENA ORTIZ', box(60, 420, 300, 60)),
      read('LENA ORTlS', box(2, 500, 300, 60)),
      read('Harbor Trust', box(60, 40, 300, 60)),
      read('Anna Holm', box(600, 40, 200, 40)),
      read('4111 1111 1111 1111', box(40, 270, 660, 120)),
    ];
    expect(namesSeen(lines)).toEqual(['LENA ORTIZ', 'ANNA HOLM']);
    expect(namesSeen([read('JANE', box(60, 420, 100, 40)), read('PUBLIC', box(175, 420, 150, 40))])).toEqual(['JANE PUBLIC']);
  });
});

describe('extractName: a doubted word gap', () => {
  const pan = box(40, 270, 660, 120);
  const gapAt = (text: string, gap: number, c: number): TextLine => ({ ...read(text, box(60, 420, 300, 60)), charConfidences: Array.from(text, (_, i) => (i === gap ? c : 0.98)) });
  it('leaves the name missing when a gap between two letters was barely seen (a letter may be merged into it)', () => {
    expect(extractName([gapAt('EML ANDERSON', 3, 0.36)], at(pan))).toMatchObject({ name: null, reason: 'low_confidence', tentative: 'EML ANDERSON' });
  });
  it('takes the name when the gap is read as surely as right names\' gaps are', () => {
    expect(extractName([gapAt('EMIL ANDERSON', 4, 0.51)], at(pan)).name).toBe('EMIL ANDERSON');
  });
});
