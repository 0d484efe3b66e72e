/** Prices of a backend, USD per 1000 tokens (the spec's `costPer1kInput` / `costPer1kOutput`). */
export interface Prices {
  costPer1kInput?: number | undefined;
  costPer1kOutput?: number | undefined;
}

/** The one pricing function: USD for `tokensIn` prompt and `tokensOut` generated tokens. */
export function callCost(prices: Prices, tokensIn: number, tokensOut: number): number {
  return (tokensIn / 1000) * (prices.costPer1kInput ?? 0) + (tokensOut / 1000) * (prices.costPer1kOutput ?? 0);
}
