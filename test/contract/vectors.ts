// Fingerprint test vectors: values and the sha256 of their canonical JSON's UTF-8 bytes, computed
// independently of this code base. Node (node:crypto) and workerd (Web Crypto) must both give them.
export const FINGERPRINT_VECTORS: { value: unknown; sha256: string }[] = [
  {
    value: { kind: "grading", prompt_version: "grading-v1", model: "judge-test", params: { temperature: 0, structured_output: "json_schema" } },
    sha256: "03c3abbb7afbc0f932894966e480c2028e3a441aebe81182fee8c18f14f322f0",
  },
  {
    value: {
      instruction: "Café Łódź — 東京 🙏",
      context: null,
      items: [{ id: "q1", question: "Ünïcödé?", weight: 100, must_pass: true }],
      skipped: undefined,
    },
    sha256: "68a3d29f26f723d48f047c6c69dd1f2abe16781ae2798d98809ddb45f0984017",
  },
  { value: ["a", 1, 0.1, -0, 1e21, true, null, { b: 2, a: 1 }], sha256: "3267181798ce807d0eb5062f003bc536e2b970dc978ea3fb04388dc28b786a04" },
  { value: "", sha256: "12ae32cb1ec02d01eda3581b127c1fee3b0dc53572ed6baf239721a03d82e126" },
];
