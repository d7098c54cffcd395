/** Stripe: secret and restricted keys `sk_`/`rk_` plus mode; webhook signing secrets `whsec_`. Test-mode keys warn. */
import type { SecretRule } from "../types.js";
import { ALNUM, B64, fake } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const live = `sk_live_${fake(ALNUM, 99, 701)}`;
const restricted = `rk_live_${fake(ALNUM, 24, 702)}`;
const test = `sk_test_${fake(ALNUM, 24, 703)}`;
const whsec = `whsec_${fake(B64.slice(0, 62), 32, 704)}`;

export const stripeRules: SecretRule[] = [
  {
    id: "stripe-secret-key",
    description: "Stripe secret or restricted API key (test-mode keys only warn)",
    keywords: ["sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"],
    regex: /(?<![A-Za-z0-9_])([sr]k_(?:live|test|prod)_[A-Za-z0-9]{20,247})(?![A-Za-z0-9_])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    // Test-mode keys move no money, but they still expose account data: reported, not blocking.
    validate: ({ secret }) => (secret.includes("_test_") ? "warn" : true),
    samples: {
      match: [
        { text: `STRIPE_SECRET_KEY=${live}`, secret: live },
        { text: `stripe.api_key = "${restricted}"`, secret: restricted },
        { text: `Stripe("${test}")`, secret: test },
      ],
      noMatch: ["sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "pk_live_" + fake(ALNUM, 24, 705), "sk_live_short"],
    },
  },
  {
    id: "stripe-webhook-secret",
    description: "Stripe webhook signing secret",
    keywords: ["whsec_"],
    regex: /(?<![A-Za-z0-9_])(whsec_[A-Za-z0-9+/]{32,})(?![A-Za-z0-9_+/])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      match: [{ text: `STRIPE_WEBHOOK_SECRET=${whsec}`, secret: whsec }],
      noMatch: ["whsec_...", "whsec_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    },
  },
];
