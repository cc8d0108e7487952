// Vite's `?raw` imports, used so that fixtures load the same way under Node and inside workerd.
declare module "*?raw" {
  const text: string;
  export default text;
}
