/**
 * Raised for any invalid input to the calibration library. `path` names the offending field
 * (e.g. `p[3]`, `y`, `options.alpha`) so an HTTP layer can turn it into a 400 response as is.
 */
export class CalibrationInputError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "CalibrationInputError";
    this.path = path;
  }
}
