/** Every number in a JSON value (or a JSON text), with its JSON Pointer. */
export function numbersIn(value: unknown, path = ""): [string, number][] {
  if (typeof value === "string" && path === "") {
    try {
      return numbersIn(JSON.parse(value), "");
    } catch {
      return [];
    }
  }
  if (typeof value === "number") return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbersIn(v, `${path}/${i}`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => numbersIn(v, `${path}/${k}`));
  return [];
}
