/**
 * Real-world profiles: photos of cards as people take them (in a hand, on a desk, scanned or
 * tightly cropped, tilted, in poor light, small, partly out of frame) and photos without a
 * card. One call renders one photo from one seed; truth follows the shared corpus schema
 * (`../shared/corpus/* /truth.json`) plus `lines`: every visible printed line with its
 * text, role and quad in the output photo's pixels.
 */
import type { FontSpec } from './face.js';
import { fontLabel } from './face.js';
import { BACKGROUNDS, capsuleCoverage, placedLineQuads, poseQuad, quadInFrame, renderScene, type Camera, type Hand, type PhotoLine, type Placed, type Pose, type SceneBackground } from './compose.js';
import { drawObject, type ObjectKind } from './objects.js';
import { brandByIin, luhnValid, makeRealPan, makeSpecimenPan, printedGroups, type FixtureBrand } from './pan.js';
import { Rng, round1 } from './random.js';
import { drawCard, drawDesign, type CardDesign } from './real-card.js';
import type { Point } from './warp.js';

/** Profiles of the real-world generator (`classic` is the original generator, in generate.ts). */
export const REAL_PROFILES = ['real-world', 'embossed', 'flat', 'hand', 'scan', 'vertical', 'back', 'hard', 'negative'] as const;
export type RealProfile = (typeof REAL_PROFILES)[number];

/** How the photo is taken. */
export type Scene = 'hand' | 'desk' | 'scan' | 'crop';

/** One truth.json entry of a real-world photo. */
export interface RealTruth {
  file: string;
  kind: 'payment_card' | 'none';
  pan: string | null;
  brand: FixtureBrand | null;
  expiry: string | null;
  expiry_printed: string | null;
  /** Name as the scorer expects it (Latin capitals); null when none is printed or it is not Latin. */
  name: string | null;
  /** Name as printed, when it differs from `name` (mixed case, non-Latin). */
  name_printed?: string;
  name_script?: 'latin' | 'cyrillic' | 'greek';
  luhn_valid: boolean;
  pan_length: number | null;
  side: 'front' | 'back';
  image_kind: 'synthetic';
  size: string;
  profile: RealProfile;
  seed: number;
  style: Record<string, string | number | boolean | null>;
  /** Corners (TL, TR, BR, BL of the face as designed) of the card or object, output pixels; may lie outside the frame. */
  object_quad: Array<[number, number]>;
  lines: PhotoLine[];
}

const FIRST = ['ANNA', 'BEN', 'CARLOS', 'DARIA', 'EMIL', 'FREYA', 'GUSTAV', 'HIRO', 'IMANI', 'JONAS', 'KATYA', 'LIAM', 'MEI', 'NIKO', 'OLGA', 'PABLO', 'RANIA', 'SVEN', 'TARA', 'UMAR', 'VERA', 'YUSUF', 'ZOE', 'MARGARET', 'ANDREW', 'JOSE MARIA', 'CHLOE', 'WEI', 'AMARA', 'LUCAS', 'SOFIA', 'MATEO', 'AISHA', 'KENJI', 'FATIMA'];
const LAST = ['ADLER', 'BECKER', 'CASTRO', 'DIAZ', 'EKSTROM', 'FERREIRA', 'GRANT', 'HOLM', 'IBRAHIM', 'JENSEN', 'KOVAC', 'LINDQVIST', 'MENDES', 'NOVAK', 'OSEI', 'PARK', 'QUINN', 'REYES', 'SATO', 'TORRES', 'VOGEL', 'WEBER', 'HENSON', 'ANDERSON', 'SANCHEZ', 'OKONKWO', 'NGUYEN', 'MUELLER', 'ROSSI', 'KOWALSKI', 'OBRIEN', 'DUBOIS'];
const CYRILLIC = ['ИВАН ПЕТРОВ', 'АННА СМИРНОВА', 'ОЛЕГ КУЗНЕЦОВ', 'МАРИЯ ИВАНОВА'];
const GREEK = ['ΓΙΩΡΓΟΣ ΠΑΠΑΔΟΠΟΥΛΟΣ', 'ΕΛΕΝΗ ΝΙΚΟΛΑΟΥ', 'ΝΙΚΟΣ ΔΗΜΗΤΡΙΟΥ'];
const SKIN = ['#f1c9a5', '#e0ac69', '#c68642', '#8d5524', '#ffdbac', '#5c3a21', '#d9a47f', '#a86b48'];
const BG_COLORS: Record<SceneBackground, Array<[string, string]>> = {
  wood: [['#8b5a2b', '#5e3b1c'], ['#c19a6b', '#8f6a43'], ['#5a3a22', '#3a2414'], ['#d2b48c', '#a88a63']],
  carpet: [['#7a7a7a', '#555555'], ['#8c7b6b', '#5f5246'], ['#3d4f6b', '#27344a'], ['#7b2f2f', '#4f1d1d']],
  keyboard: [['#2b2b2b', '#111111'], ['#d9d9d9', '#9a9a9a'], ['#f2f2f2', '#c8c8c8']],
  desk: [['#d9d2c3', '#efe9dc'], ['#cfcac0', '#b3ada2'], ['#f2f2f2', '#d8d8d8'], ['#3d4a57', '#24303b']],
  bokeh: [['#141821', '#2a1f1a'], ['#0c0c0c', '#2b2b40'], ['#1d2b1d', '#101010']],
  fabric: [['#3b5b8c', '#27406a'], ['#6b6b6b', '#4a4a4a'], ['#8a3c3c', '#5c2626'], ['#4d6b4d', '#2f452f']],
  marble: [['#e8e6e1', '#c8c4bc'], ['#d5d5d5', '#a9a9a9'], ['#2b2b2b', '#505050']],
  plain: [['#7a5a3c', '#5e4229'], ['#8fae8b', '#6f8f6b'], ['#9b8fb8', '#6d5d96'], ['#2a2a2a', '#474747'], ['#e6e1d8', '#c9c2b5']],
  scanner: [['#fdfdfd', '#efefef']],
  leather: [['#3b2314', '#24150b'], ['#1c1c1c', '#303030'], ['#6b3e26', '#4a2a19']],
};

const mmyy = (m: number, y: number): string => `${String(m).padStart(2, '0')}/${String(y).padStart(2, '0')}`;

interface Flags {
  negative: boolean;
  scene: Scene;
  emboss: boolean;
  orientation: 'landscape' | 'portrait';
  numberLayout: CardDesign['numberLayout'];
  side: 'front' | 'back';
  hard: boolean;
}

/** What a profile draws: the mix of scenes, printing, layouts and damage. */
function profileFlags(profile: RealProfile, rng: Rng): Flags {
  const scene = (): Scene => {
    const u = rng.next();
    return u < 0.38 ? 'hand' : u < 0.76 ? 'desk' : u < 0.88 ? 'scan' : 'crop';
  };
  const vertical = (): Pick<Flags, 'orientation' | 'numberLayout'> => {
    const u = rng.next();
    return u < 0.4 ? { orientation: 'portrait', numberLayout: 'stacked' } : u < 0.6 ? { orientation: 'portrait', numberLayout: 'row' } : u < 0.8 ? { orientation: 'landscape', numberLayout: 'vertical' } : { orientation: 'landscape', numberLayout: 'stacked' };
  };
  const base: Flags = { negative: false, scene: scene(), emboss: rng.chance(0.45), orientation: 'landscape', numberLayout: 'row', side: 'front', hard: rng.chance(0.22) };
  const v = rng.chance(0.1) ? vertical() : {};
  const back = rng.chance(0.08);
  const negative = rng.chance(0.1);
  switch (profile) {
    case 'real-world':
      return { ...base, ...v, negative, side: back ? 'back' : 'front', emboss: back || 'orientation' in v ? false : base.emboss };
    case 'embossed':
      return { ...base, emboss: true };
    case 'flat':
      return { ...base, emboss: false };
    case 'hand':
      return { ...base, scene: 'hand' };
    case 'scan':
      return { ...base, scene: rng.chance(0.5) ? 'scan' : 'crop', hard: false };
    case 'vertical':
      return { ...base, ...vertical(), emboss: false };
    case 'back':
      return { ...base, side: 'back', emboss: false, ...(rng.chance(0.25) ? { orientation: 'portrait' as const } : {}) };
    case 'hard':
      return { ...base, hard: true, scene: rng.chance(0.5) ? 'hand' : 'desk' };
    case 'negative':
      return { ...base, negative: true };
  }
}

function drawName(rng: Rng): { printed: string | null; truth: string | null; script: 'latin' | 'cyrillic' | 'greek' } {
  const u = rng.next();
  if (u < 0.05) return { printed: null, truth: null, script: 'latin' };
  if (u < 0.09) return { printed: rng.pick(CYRILLIC), truth: null, script: 'cyrillic' };
  if (u < 0.11) return { printed: rng.pick(GREEK), truth: null, script: 'greek' };
  const name = [rng.pick(FIRST), ...(rng.chance(0.3) ? [String.fromCharCode(65 + rng.int(0, 25))] : []), rng.pick(LAST)].join(' ');
  // A few issuers print names in mixed case; the truth stays capitals (the scorer compares capitals).
  if (u < 0.19) return { printed: name.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase()), truth: name, script: 'latin' };
  return { printed: name, truth: name, script: 'latin' };
}

const BRAND_MIX: Array<[FixtureBrand, number]> = [['visa', 34], ['mastercard', 28], ['amex', 9], ['discover', 5], ['unionpay', 8], ['jcb', 4], ['diners', 3], ['maestro', 5], ['mir', 4]];

function pickBrand(rng: Rng): FixtureBrand {
  let u = rng.next() * BRAND_MIX.reduce((a, [, w]) => a + w, 0);
  for (const [b, w] of BRAND_MIX) if ((u -= w) < 0) return b;
  return 'visa';
}

/** Frame sizes by scene (width × height), landscape and portrait phones, webcams, old phones. */
function pickFrame(rng: Rng, scene: Scene, portraitCard: boolean, hard: boolean, maxSide: number): [number, number] {
  let f: [number, number];
  if (scene === 'scan' || scene === 'crop') {
    const long = rng.pick([640, 800, 1012, 1200]);
    const short = Math.round((long * 638) / 1012);
    f = portraitCard ? [short, long] : [long, short];
  } else if (hard && rng.chance(0.35)) f = rng.pick([[640, 480], [480, 360], [480, 640]] as Array<[number, number]>);
  else f = rng.pick([[1280, 960], [1600, 1200], [1024, 768], [960, 1280], [1080, 1920], [1920, 1080], [720, 1280], [1200, 900]] as Array<[number, number]>);
  const k = Math.min(1, maxSide / Math.max(f[0], f[1]));
  return [Math.round(f[0] * k), Math.round(f[1] * k)];
}

function drawCamera(rng: Rng, w: number, h: number, scene: Scene, hard: boolean): Camera {
  const bgChoices: SceneBackground[] = scene === 'scan' ? ['scanner'] : scene === 'crop' ? ['scanner', 'plain', 'wood', 'desk'] : scene === 'hand' ? ['bokeh', 'carpet', 'wood', 'plain', 'keyboard', 'fabric', 'desk', 'marble', 'leather'] : [...BACKGROUNDS].filter((b) => b !== 'scanner');
  const background = rng.pick(bgChoices);
  const flat = scene === 'scan' || scene === 'crop';
  const warm = rng.float(-0.08, 0.08);
  return {
    width: w,
    height: h,
    background,
    bgSeed: rng.int(1, 99999),
    bgColors: rng.pick(BG_COLORS[background]),
    glare: !flat && rng.chance(hard ? 0.55 : 0.35) ? { u: rng.float(0.1, 0.9), v: rng.float(0.1, 0.9), r: rng.float(0.15, 0.5), stretch: rng.float(1, 3), strength: rng.float(0.25, hard ? 0.75 : 0.55) } : null,
    blur: hard ? round1(rng.float(0.6, 2.0)) : rng.chance(0.35) ? round1(rng.float(0.3, 1.1)) : 0,
    motion: !flat && rng.chance(hard ? 0.4 : 0.08) ? rng.int(3, hard ? 11 : 6) : 0,
    motionAngle: rng.int(0, 179),
    noise: flat ? (rng.chance(0.3) ? rng.int(2, 6) : 0) : hard ? rng.int(8, 22) : rng.chance(0.6) ? rng.int(3, 12) : 0,
    soften: hard && rng.chance(0.6) ? round1(rng.float(0.35, 0.65)) : rng.chance(0.12) ? round1(rng.float(0.6, 0.85)) : 1,
    exposure: round1(flat ? rng.float(0.95, 1.05) : rng.float(hard ? 0.6 : 0.8, 1.15)),
    tint: [1 + warm, 1, 1 - warm],
    vignette: flat ? 0 : rng.chance(0.5) ? rng.float(0.1, 0.4) : 0,
    quality: hard ? rng.int(22, 50) : rng.int(55, 92),
    bgBlur: scene === 'hand' && rng.chance(0.6) ? round1(rng.float(1.5, 6) * (Math.max(w, h) / 1280)) : 0,
    shade: !flat && rng.chance(0.25) ? { angle: rng.int(0, 359), at: rng.float(0.1, 0.45), soft: rng.float(0.1, 0.35), strength: rng.float(0.2, 0.45) } : null,
    sharpen: !flat && rng.chance(0.35),
  };
}

/** Camera pose of the main face for a scene. */
function drawPose(rng: Rng, scene: Scene, w: number, h: number, fw: number, fh: number, hard: boolean, attempt: number): Pose {
  const short = Math.min(w, h);
  if (scene === 'scan' || scene === 'crop') {
    const fill = scene === 'scan' ? rng.float(0.9, 0.98) : rng.float(1.0, 1.05);
    return { cx: w / 2 + rng.float(-0.01, 0.01) * w, cy: h / 2 + rng.float(-0.01, 0.01) * h, size: Math.min(w * fill, (h * fill * fw) / fh), roll: rng.float(-1.5, 1.5), pitch: 0, yaw: 0 };
  }
  const fitW = Math.min(w, (h * fw) / fh);
  let size: number;
  if (hard && rng.chance(0.5)) size = rng.float(280, 340) * (fw >= fh ? 1 : fw / fh); // card ~300×190 px in the frame
  else if (scene === 'hand') size = fitW * rng.float(0.45, 0.8);
  else size = fitW * (rng.chance(0.2) ? rng.float(0.25, 0.4) : rng.float(0.4, 0.78));
  size *= Math.pow(0.9, attempt);
  const u = rng.next();
  let roll = u < 0.45 ? rng.float(-10, 10) : u < 0.85 ? rng.float(-45, 45) : rng.float(-90, 90);
  if (rng.chance(0.06)) roll += 180;
  const tilt = scene === 'hand' ? 28 : 35;
  const outside = rng.chance(hard ? 0.35 : 0.1) && attempt < 4;
  const margin = outside ? -0.15 : 0.05;
  const cx = w * rng.float(0.5 - (0.5 - margin) * 0.6, 0.5 + (0.5 - margin) * 0.6) + (outside ? rng.pick([-1, 1]) * w * 0.2 : 0);
  const cy = h * rng.float(0.5 - (0.5 - margin) * 0.6, 0.5 + (0.5 - margin) * 0.6);
  return { cx, cy, size, roll, pitch: rng.float(-tilt, tilt) * (rng.chance(0.7) ? 1 : 0.3), yaw: rng.float(-tilt, tilt) * (rng.chance(0.7) ? 1 : 0.3) };
}

/** A hand holding a w × h face, avoiding the protected line boxes with the thumb. */
function drawHand(rng: Rng, fw: number, fh: number, keepClear: Array<[Point, Point, Point, Point]>): Hand {
  const skin = rng.pick(SKIN);
  const short = Math.min(fw, fh);
  const edge = rng.pick(['left', 'right', 'bottom', 'left', 'right'] as const);
  const r = short * rng.float(0.14, 0.19);
  let thumb: Hand['thumb'] = null;
  for (let i = 0; i < 14 && !thumb; i++) {
    const depth = rng.float(0.03, 0.2);
    const ang = (rng.float(-35, 35) * Math.PI) / 180;
    let tip: Point, dir: Point;
    if (edge === 'left') {
      tip = { x: depth * fw, y: rng.float(0.12, 0.95) * fh };
      dir = { x: Math.cos(ang), y: Math.sin(ang) };
    } else if (edge === 'right') {
      tip = { x: fw - depth * fw, y: rng.float(0.12, 0.95) * fh };
      dir = { x: -Math.cos(ang), y: Math.sin(ang) };
    } else {
      tip = { x: rng.float(0.1, 0.9) * fw, y: fh - depth * fh * 1.5 };
      dir = { x: Math.sin(ang), y: -Math.cos(ang) };
    }
    const base = { x: tip.x - dir.x * fw, y: tip.y - dir.y * fw };
    const cand = { base, tip, r };
    if (keepClear.every((q) => capsuleCoverage(q, [{ ...cand, r: r * 1.35 }]) === 0)) thumb = cand;
  }
  // The rest of the hand comes in from outside: a wide shape from under the card's holding edge
  // out past the frame (like a hand and wrist entering the picture), not a blob that ends in view.
  const palmR = short * rng.float(0.38, 0.5);
  const tilt = rng.float(-0.5, 0.5);
  const palm = edge === 'left'
    ? { tip: { x: fw * 0.12, y: fh * rng.float(0.45, 0.75) }, dir: { x: -1, y: tilt } }
    : edge === 'right'
      ? { tip: { x: fw * 0.88, y: fh * rng.float(0.45, 0.75) }, dir: { x: 1, y: tilt } }
      : { tip: { x: fw * rng.float(0.35, 0.65), y: fh * 0.8 }, dir: { x: tilt, y: 1 } };
  const dl = Math.hypot(palm.dir.x, palm.dir.y);
  const palmCap = { base: { x: palm.tip.x + (palm.dir.x / dl) * fw * 4, y: palm.tip.y + (palm.dir.y / dl) * fw * 4 }, tip: palm.tip, r: palmR };
  const fingers: Hand['fingers'] = [];
  const n = rng.int(0, 3);
  for (let i = 0; i < n; i++) {
    const fr = short * rng.float(0.09, 0.12);
    if (edge === 'bottom') {
      const side = rng.chance(0.5) ? -1 : 1;
      const y = fh * (0.3 + i * 0.2);
      const x = side < 0 ? -short * rng.float(0.04, 0.14) : fw + short * rng.float(0.04, 0.14);
      fingers.push({ base: { x: fw / 2, y: y + fh * 0.1 }, tip: { x, y }, r: fr });
    } else {
      const x = edge === 'left' ? fw * (0.08 + i * 0.1) : fw * (0.92 - i * 0.1);
      const top = rng.chance(0.5);
      fingers.push({ base: { x: x + (edge === 'left' ? -1 : 1) * fw * 0.05, y: fh / 2 }, tip: { x, y: top ? -short * rng.float(0.04, 0.16) : fh + short * rng.float(0.04, 0.16) }, r: fr });
    }
  }
  return { skin, thumb, fingers, palm: palmCap };
}

/** Renders one real-world photo and its truth (file name filled in by the caller). */
export async function renderReal(seed: number, profile: RealProfile, opts: { maxSide?: number; quality?: number } = {}): Promise<{ bytes: Buffer; truth: Omit<RealTruth, 'file'> }> {
  // The profile is mixed into the seed so that one seed gives unrelated scenes in different profiles.
  const rng = new Rng((seed ^ Math.imul(REAL_PROFILES.indexOf(profile) + 1, 0x9e3779b1)) >>> 0);
  const flagRng = rng.fork();
  const cardRng = rng.fork();
  const sceneRng = rng.fork();
  const drawRng = rng.fork();
  const f = profileFlags(profile, flagRng);
  const maxSide = opts.maxSide ?? 1920;

  // The main object: a payment card, or for negatives something else.
  let design: CardDesign | null = null;
  let object: ObjectKind | 'card-no-pan' | 'back-no-pan' | null = null;
  let pan: string | null = null;
  let brand: FixtureBrand | null = null;
  let expiry: string | null = null;
  let second: string | null = null;
  let name = drawName(cardRng);
  if (f.negative) {
    object = cardRng.pick(['document', 'receipt', 'screen', 'loyalty', 'loyalty', 'card-no-pan', 'back-no-pan', 'sticky', 'business-card'] as const);
    if (object === 'card-no-pan' || object === 'back-no-pan') {
      // A payment card side that carries no number (modern number-less fronts, gift-card backs).
      design = drawDesign(cardRng, { pan: null, brand: pickBrand(cardRng), groups: [], expiry: null, secondDate: null, name: cardRng.chance(0.5) ? name.printed : null, emboss: false, side: object === 'card-no-pan' ? 'front' : 'back', orientation: 'landscape', numberLayout: 'row' });
      brand = null;
    }
    name = { printed: null, truth: null, script: 'latin' };
  } else {
    const specimen = cardRng.chance(0.12);
    pan = specimen ? makeSpecimenPan(cardRng) : makeRealPan(cardRng, pickBrand(cardRng));
    brand = brandByIin(pan);
    const year = cardRng.int(26, 34);
    expiry = mmyy(cardRng.int(1, 12), year);
    second = cardRng.chance(0.2) ? mmyy(cardRng.int(1, 12), year - cardRng.int(3, 6)) : null;
    const groups = printedGroups(cardRng, pan, brand);
    const layout = f.numberLayout === 'stacked' && groups.length === 1 ? 'row' : f.numberLayout;
    design = drawDesign(cardRng, { pan, brand, groups, expiry: cardRng.chance(0.06) ? null : expiry, secondDate: second, name: name.printed, emboss: f.emboss, side: f.side, orientation: f.orientation, numberLayout: layout });
    if (!design.expiry) expiry = null;
  }
  const face = design ? await drawCard(design, drawRng) : await drawObject(object as ObjectKind, drawRng);
  const scene: Scene = f.negative && (object === 'document' || object === 'screen') && (f.scene === 'scan' || f.scene === 'crop') ? 'desk' : f.scene;
  const [W, H] = pickFrame(sceneRng, scene, face.height > face.width && scene !== 'desk' && scene !== 'hand', f.hard, maxSide);
  const cam = drawCamera(sceneRng, W, H, scene, f.hard);
  if (opts.quality) cam.quality = opts.quality;
  // Place the face so that the number and the dates stay inside the frame.
  const must = face.lines.filter((l) => l.role === 'number' || l.role === 'expiry');
  let pose = drawPose(sceneRng, scene, W, H, face.width, face.height, f.hard, 0);
  let placed: Placed = { face, quad: poseQuad(pose, face.width, face.height, W, H), object: design ? 'card' : (object ?? 'object'), shadow: null };
  for (let attempt = 1; attempt < 12; attempt++) {
    const mapped = placedLineQuads(placed).filter((m) => must.includes(m.line));
    if (mapped.every((m) => quadInFrame(m.quad, W, H, 2))) break;
    pose = drawPose(sceneRng, scene, W, H, face.width, face.height, f.hard, attempt);
    if (attempt >= 8) pose = { ...pose, cx: W / 2, cy: H / 2, pitch: pose.pitch / 2, yaw: pose.yaw / 2, roll: pose.roll / 2 };
    placed = { ...placed, quad: poseQuad(pose, face.width, face.height, W, H) };
  }
  // Damage is drawn relative to the card's size in the frame: a blur that is mild on a 900 px
  // card wipes out a 300 px one, and a person would retake that photo.
  const cardPx = Math.max(...placed.quad.map((p, i) => Math.hypot(p.x - placed.quad[(i + 1) % 4]!.x, p.y - placed.quad[(i + 1) % 4]!.y)));
  const k = Math.min(1.3, Math.max(0.3, cardPx / 700));
  cam.blur = round1(cam.blur * k);
  cam.motion = Math.round(cam.motion * k);
  cam.soften = Math.min(1, Math.max(cam.soften, round1(260 / cardPx)));
  const flat = scene === 'scan' || scene === 'crop';
  placed.shadow = flat ? null : { dx: sceneRng.float(-0.02, 0.03) * pose.size, dy: sceneRng.float(0.0, 0.04) * pose.size, blur: sceneRng.float(0.01, 0.03) * pose.size, opacity: sceneRng.float(0.25, 0.55) };
  const hand = scene === 'hand' ? drawHand(sceneRng, face.width, face.height, must.map((l) => l.quad)) : null;
  // Desk clutter: papers, receipts, sticky notes, other cards' backs lying around.
  const clutter: Placed[] = [];
  if (scene === 'desk') {
    for (let i = 0; i < sceneRng.int(0, 3); i++) {
      const kind = sceneRng.pick(['document', 'receipt', 'sticky', 'business-card', 'loyalty'] as const);
      const cf = await drawObject(kind, drawRng);
      const cp: Pose = { cx: sceneRng.float(0, W), cy: sceneRng.float(0, H), size: Math.min(W, H) * sceneRng.float(0.3, 0.7) * (cf.width / Math.max(cf.width, cf.height)), roll: sceneRng.float(-60, 60), pitch: pose.pitch, yaw: pose.yaw };
      const q = poseQuad(cp, cf.width, cf.height, W, H);
      clutter.push({ face: cf, quad: q, object: kind, shadow: { dx: 4, dy: 6, blur: 6, opacity: 0.3 } });
    }
  }
  const { bytes, lines } = await renderScene(cam, placed, clutter, hand, drawRng);
  const partlyOutside = !quadInFrame(placed.quad, W, H);
  const style: RealTruth['style'] = {
    scene,
    background: cam.background,
    object: placed.object,
    emboss: design?.emboss ?? false,
    relief: design?.relief ? (design.relief.printed ? 'printed-shadow' : design.relief.body.startsWith('#') ? 'uninked' : design.relief.body) : null,
    light: design?.relief ? Math.round(design.relief.light) : null,
    numberFace: design ? fontLabel(design.numberFace) : null,
    dateFace: design ? fontLabel(design.dateFace) : null,
    nameFace: design ? fontLabel(design.nameFace as FontSpec) : null,
    groups: design ? design.groups.join('-') : null,
    numberLayout: design?.numberLayout ?? null,
    orientation: design?.orientation ?? null,
    expiryLabel: design?.expiryLabel?.replace('\n', ' ') ?? null,
    secondDate: design?.secondDate?.label.replace('\n', ' ') ?? null,
    art: design?.art ?? null,
    hand: !!hand,
    thumb: !!hand?.thumb,
    glare: cam.glare ? round1(cam.glare.strength) : 0,
    blur: cam.blur,
    motion: cam.motion,
    noise: cam.noise,
    soften: cam.soften,
    exposure: cam.exposure,
    quality: cam.quality,
    bgBlur: cam.bgBlur,
    shade: cam.shade ? round1(cam.shade.strength) : 0,
    sharpen: cam.sharpen,
    roll: round1(pose.roll),
    pitch: round1(pose.pitch),
    yaw: round1(pose.yaw),
    cardWidthPx: Math.round(Math.max(...placed.quad.map((p, i) => Math.hypot(p.x - placed.quad[(i + 1) % 4]!.x, p.y - placed.quad[(i + 1) % 4]!.y)))),
    partlyOutside,
    hard: f.hard,
    /** Keyboard keys carry letters that are not in `lines`. */
    unlabelledText: cam.background === 'keyboard',
  };
  const label = design?.expiryLabel ? design.expiryLabel.replace('\n', ' ') + ' ' : '';
  const printedExpiry = expiry ? `${design?.secondDate ? `${design.secondDate.label.replace('\n', ' ')} ${design.secondDate.date}  ` : ''}${label}${expiry}` : null;
  const truth: Omit<RealTruth, 'file'> = {
    kind: pan ? 'payment_card' : 'none',
    pan,
    brand: pan ? brand : null,
    expiry,
    expiry_printed: printedExpiry,
    name: name.truth,
    ...(name.printed && name.printed !== name.truth ? { name_printed: name.printed } : {}),
    ...(name.printed ? { name_script: name.script } : {}),
    luhn_valid: pan ? luhnValid(pan) : false,
    pan_length: pan ? pan.length : null,
    side: design?.side ?? 'front',
    image_kind: 'synthetic',
    size: `${W}x${H}`,
    profile,
    seed,
    style,
    object_quad: placed.quad.map((p) => [Math.round(p.x * 10) / 10, Math.round(p.y * 10) / 10] as [number, number]),
    lines,
  };
  return { bytes, truth };
}
