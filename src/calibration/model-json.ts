import type { CalibratorModel } from './calibrators.js';
import { CalibrationInputError } from './errors.js';

type Json = Record<string, unknown>;

/**
 * Validates a calibrator model read back from storage (e.g. a JSON column) so it can be passed to
 * applyCalibrator. Throws CalibrationInputError naming the first bad field, under `path`.
 */
export function parseCalibratorModel(value: unknown, path = 'model'): CalibratorModel {
  const obj = record(value, path);
  const calibrated = bool(obj.calibrated, `${path}.calibrated`);
  const symmetric = bool(obj.symmetric, `${path}.symmetric`);
  const nLabels = obj.n_labels;
  if (!Number.isInteger(nLabels) || (nLabels as number) < 0) {
    throw new CalibrationInputError(`${path}.n_labels`, 'must be a non-negative integer');
  }
  const base = { calibrated, symmetric, n_labels: nLabels as number };
  const params = record(obj.params, `${path}.params`);
  const num = (key: string, positive = false): number => {
    const v = params[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
      throw new CalibrationInputError(`${path}.params.${key}`, positive ? 'must be a positive finite number' : 'must be a finite number');
    }
    return v;
  };
  switch (obj.method) {
    case 'identity': {
      const reason = obj.reason;
      if (reason !== 'too_few_labels' && reason !== 'single_class') {
        throw new CalibrationInputError(`${path}.reason`, 'must be "too_few_labels" or "single_class"');
      }
      return { ...base, method: 'identity', params: {}, reason };
    }
    case 'temperature':
      return { ...base, method: 'temperature', params: { temperature: num('temperature', true) } };
    case 'platt':
      return { ...base, method: 'platt', params: { a: num('a'), b: num('b') } };
    case 'beta':
      return { ...base, method: 'beta', params: { a: num('a'), b: num('b'), c: num('c') } };
    case 'isotonic': {
      const x = numbers(params.x, `${path}.params.x`);
      const y = numbers(params.y, `${path}.params.y`);
      if (x.length !== y.length || x.length === 0) {
        throw new CalibrationInputError(`${path}.params.y`, 'must be non-empty and as long as params.x');
      }
      for (let i = 1; i < x.length; i++) {
        if ((x[i] as number) <= (x[i - 1] as number)) throw new CalibrationInputError(`${path}.params.x[${i}]`, 'must be strictly increasing');
        if ((y[i] as number) < (y[i - 1] as number)) throw new CalibrationInputError(`${path}.params.y[${i}]`, 'must be non-decreasing');
      }
      return { ...base, method: 'isotonic', params: { x, y } };
    }
    default:
      throw new CalibrationInputError(`${path}.method`, `unknown method ${JSON.stringify(obj.method)}`);
  }
}

function record(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CalibrationInputError(path, 'must be an object');
  return value as Json;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw new CalibrationInputError(path, 'must be a boolean');
  return value;
}

function numbers(value: unknown, path: string): number[] {
  if (!Array.isArray(value)) throw new CalibrationInputError(path, 'must be an array of numbers');
  return value.map((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      throw new CalibrationInputError(`${path}[${i}]`, 'must be a finite number in [0, 1]');
    }
    return v;
  });
}
