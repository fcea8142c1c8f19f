/**
 * The picture of what was read: an SVG laid over the user's own photo (an object URL of
 * their file; it is never sent anywhere but the upload), with the card outline and a box
 * per field from the API's geometry. The SVG's viewBox is the photo's size as the reader saw
 * it (after EXIF orientation, which is also how browsers show it), so the boxes scale with
 * the image at any width. Masked values are written beside their boxes; a field that was
 * found but not reported is drawn dashed, in the warning colour.
 */
import type { GeometryView, ScanView } from '../../schemas.js';
import { FIELDS, type FieldKey } from './advice.js';

const SVG = 'http://www.w3.org/2000/svg';

type Point = readonly [number, number];

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

const points = (quad: readonly Point[]): string => quad.map(([x, y]) => `${x},${y}`).join(' ');

/** The value shown beside a field's box (masked: the API only ever sends masked numbers). */
export function fieldValue(scan: ScanView, field: FieldKey): string | null {
  const card = scan.card;
  if (!card) return null;
  return field === 'pan' ? card.pan : field === 'expiry' ? card.expiry : card.name;
}

/**
 * Builds the overlay for a scan's geometry. Returns null without geometry (nothing located,
 * or a scan read before the API returned geometry).
 */
export function buildOverlay(scan: ScanView, geometry: GeometryView | null): SVGSVGElement | null {
  if (!geometry) return null;
  const { width, height } = geometry.image;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: 'none',
    class: 'overlay',
    role: 'img',
    'aria-label': 'Where the card and its fields were found on the photo',
  });
  root.dataset['width'] = String(width);
  root.dataset['height'] = String(height);
  // Strokes and labels in photo pixels: a fixed fraction of the photo, so they read the same at any size.
  const unit = Math.max(width, height) / 300;
  if (geometry.corners) {
    root.append(
      svg('polygon', { class: 'outline', points: points(geometry.corners as Point[]), 'stroke-width': unit * 1.2, 'data-box': 'card' }),
    );
  }
  for (const { key, label } of FIELDS) {
    const quad = geometry.fields?.[key] as Point[] | undefined;
    if (!quad) continue;
    const value = fieldValue(scan, key);
    const missing = !value;
    const box = svg('polygon', {
      class: `field field-${key}${missing ? ' missing' : ''}`,
      points: points(quad),
      'stroke-width': unit,
      'data-box': key,
    });
    const title = svg('title', {});
    title.textContent = missing ? `${label}: found but not reported` : `${label}: ${value}`;
    box.append(title);
    // The label sits just above the box's top edge (or inside, when the box touches the top).
    const top = Math.min(...quad.map((p) => p[1]));
    const left = Math.min(...quad.map((p) => p[0]));
    // About 4% of the photo's long side: legible when the photo is shown 300 px wide.
    const size = unit * 12;
    const caption = missing ? `${label}?` : (value ?? '');
    // Monospace glyphs are about 0.6 em wide: a label that would run off the photo ends at its edge instead.
    const right = left + caption.length * size * 0.6 > width;
    const text = svg('text', {
      class: `label label-${key}${missing ? ' missing' : ''}`,
      x: right ? Math.max(...quad.map((p) => p[0])) : left,
      'text-anchor': right ? 'end' : 'start',
      y: top - size * 0.35 > size ? top - size * 0.35 : top + size * 1.1,
      'font-size': size,
      'stroke-width': unit * 1.6,
      'data-label': key,
    });
    text.textContent = caption;
    root.append(box, text);
  }
  return root;
}
