/** Other widely used SaaS and infrastructure tokens, each anchored by its vendor prefix. */
import type { SecretRule } from "../types.js";
import { ALNUM, B64, B64URL, BASE32, DIGITS, fake, HEX } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

let seed = 1400;
const f = (alphabet: string, n: number): string => fake(alphabet, n, seed++);

const anchored = (
  id: string,
  description: string,
  keywords: string[],
  regex: RegExp,
  positive: string,
  noMatch: string[],
  extra: Partial<SecretRule> = {},
): SecretRule => ({
  id,
  description,
  keywords,
  regex,
  allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
  severity: "block",
  samples: {
    match: [
      { text: `TOKEN=${positive}`, secret: positive },
      { text: `{"apiKey": "${positive}"}`, secret: positive },
    ],
    noMatch,
  },
  ...extra,
});

/** Start and end guards: the token must not be glued to other token characters. */
const L = "(?<![A-Za-z0-9_-])";
const R = "(?![A-Za-z0-9_-])";
const rx = (body: string, flags = "g"): RegExp => new RegExp(`${L}(${body})${R}`, flags);

const discordHook = `${fake(DIGITS, 18, 1497)}/${fake(B64URL, 68, 1496)}`;
const mailchimp = fake(HEX, 32, 1495);
const AGE_ALPHABET = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

export const saasRules: SecretRule[] = [
  // `SK` and the first hex digit: every match holds one, and a bare `sk` is in every `task`, `desk` and `skip`.
  anchored("twilio-api-key", "Twilio API key", [..."0123456789abcdef"].map((h) => `sk${h}`), rx("SK[0-9a-f]{32}"), `SK${f(HEX, 32)}`, ["SK" + "0".repeat(32), "SKIP_TESTS"], {
    entropy: 3,
  }),
  anchored("sendgrid-api-key", "SendGrid API key", ["sg."], rx("SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}"), `SG.${f(B64URL, 22)}.${f(B64URL, 43)}`, [
    "SG.short.x",
  ]),
  anchored("mailgun-api-key", "Mailgun API key", ["key-"], rx("key-[0-9a-f]{32}"), `key-${f(HEX, 32)}`, ["key-" + "0".repeat(32), "key-value"], {
    entropy: 3,
  }),
  anchored("shopify-token", "Shopify access token or shared secret", ["shpat_", "shpca_", "shppa_", "shpss_"], rx("shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"), `shpat_${f(HEX, 32)}`, [
    "shpat_123",
  ]),
  anchored("digitalocean-token", "DigitalOcean personal, OAuth or refresh token", ["dop_v1_", "doo_v1_", "dor_v1_"], rx("do[opr]_v1_[a-f0-9]{64}"), `dop_v1_${f(HEX, 64)}`, [
    "dop_v1_abc",
  ]),
  anchored("vault-token", "HashiCorp Vault service or batch token", ["hvs.", "hvb."], rx("hv[sb]\\.[A-Za-z0-9_-]{90,250}"), `hvs.${f(B64URL, 95)}`, ["hvs.short"], {
    entropy: 3.5,
  }),
  anchored("terraform-cloud-token", "Terraform Cloud / Enterprise API token", ["atlasv1"], rx("[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,70}"), `${f(ALNUM, 14)}.atlasv1.${f(ALNUM, 67)}`, [
    "atlasv1.short",
  ]),
  anchored("doppler-token", "Doppler service or personal token", ["dp.pt.", "dp.st.", "dp.ct.", "dp.scim.", "dp.audit."], rx("dp\\.(?:pt|st|ct|scim|audit)\\.[A-Za-z0-9]{40,44}"), `dp.pt.${f(ALNUM, 43)}`, [
    "dp.pt.short",
  ]),
  anchored("grafana-service-account-token", "Grafana service-account token", ["glsa_"], rx("glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"), `glsa_${f(ALNUM, 32)}_${f(HEX, 8)}`, [
    "glsa_short",
  ]),
  anchored("grafana-cloud-token", "Grafana Cloud API token", ["glc_"], rx("glc_[A-Za-z0-9+/]{32,400}={0,2}"), `glc_${f(B64, 80)}`, ["glc_short"]),
  anchored("sentry-token", "Sentry organization or user auth token", ["sntrys_", "sntryu_"], rx("sntrys_eyJ[A-Za-z0-9+/=_-]{50,250}|sntryu_[a-f0-9]{64}"), `sntryu_${f(HEX, 64)}`, [
    "sntryu_abc",
  ]),
  anchored("postman-api-key", "Postman API key", ["pmak-"], rx("PMAK-[a-f0-9]{24}-[a-f0-9]{34}"), `PMAK-${f(HEX, 24)}-${f(HEX, 34)}`, ["PMAK-abc"]),
  anchored("databricks-token", "Databricks personal access token", ["dapi"], rx("dapi[a-f0-9]{32}(?:-\\d)?"), `dapi${f(HEX, 32)}`, ["dapi" + "0".repeat(32), "dapiVersion"], {
    entropy: 3,
  }),
  anchored("linear-api-key", "Linear API key", ["lin_api_"], rx("lin_api_[A-Za-z0-9]{40}"), `lin_api_${f(ALNUM, 40)}`, ["lin_api_short"]),
  anchored("notion-token", "Notion integration token", ["ntn_", "secret_"], rx("ntn_[0-9]{11}[A-Za-z0-9]{35}"), `ntn_${f(DIGITS, 11)}${f(ALNUM, 35)}`, ["ntn_123"]),
  anchored("discord-webhook-url", "Discord webhook URL", ["discord"], /discord(?:app)?\.com\/api\/webhooks\/(\d{17,20}\/[A-Za-z0-9_-]{60,70})/g, `${f(DIGITS, 18)}/${f(B64URL, 68)}`, [
    "https://discord.com/api/webhooks/123/abc",
  ], {
    samples: {
      match: [{ text: `DISCORD_WEBHOOK=https://discord.com/api/webhooks/${discordHook}`, secret: discordHook }],
      noMatch: ["https://discord.com/api/webhooks/123/abc"],
    },
  }),
  anchored("telegram-bot-token", "Telegram bot token", [":aa"], /(?<![0-9])([0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])/g, `${f(DIGITS, 10)}:AA${f(B64URL, 33)}`, [
    "12345:AAshort",
  ]),
  anchored("age-secret-key", "age encryption secret key", ["age-secret-key-1"], rx(`AGE-SECRET-KEY-1[${AGE_ALPHABET}]{58}`), `AGE-SECRET-KEY-1${f(AGE_ALPHABET, 58)}`, [
    "AGE-SECRET-KEY-1...",
  ]),
  anchored("dockerhub-token", "Docker Hub personal access token", ["dckr_pat_", "dckr_oat_"], rx("dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,32}"), `dckr_pat_${f(B64URL, 27)}`, [
    "dckr_pat_short",
  ]),
  anchored("onepassword-service-account-token", "1Password service-account token", ["ops_eyj"], rx("ops_eyJ[A-Za-z0-9+/]{250,}={0,3}"), `ops_eyJ${f(B64, 260)}`, ["ops_eyJabc"]),
  anchored("pulumi-token", "Pulumi access token", ["pul-"], rx("pul-[a-f0-9]{40}"), `pul-${f(HEX, 40)}`, ["pul-abc"]),
  anchored("heroku-token", "Heroku API key (new format)", ["hrku-"], rx("HRKU-AA[A-Za-z0-9_-]{58}"), `HRKU-AA${f(B64URL, 58)}`, ["HRKU-AAshort"]),
  anchored("square-token", "Square access token or OAuth secret", ["sq0atp-", "sq0csp-", "eaaa"], rx("sq0atp-[A-Za-z0-9_-]{22}|sq0csp-[A-Za-z0-9_-]{43}|EAAA[A-Za-z0-9_-]{60}"), `sq0csp-${f(B64URL, 43)}`, [
    "sq0atp-short",
  ]),
  anchored("atlassian-api-token", "Atlassian API token", ["atatt3"], rx("ATATT3[A-Za-z0-9_=-]{186}"), `ATATT3${f(B64URL, 186)}`, ["ATATT3short"]),
  anchored("new-relic-key", "New Relic user or license API key", ["nrak-", "nrjs-"], rx("NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}"), `NRAK-${f(DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 27)}`, [
    "NRAK-abc",
  ]),
  anchored("mailchimp-api-key", "Mailchimp API key", ["-us"], /-us[0-9]{1,2}(?![A-Za-z0-9_-])(?<=(?<![A-Za-z0-9_-])([0-9a-f]{32})-us[0-9]{1,2})/g, `${f(HEX, 32)}-us${f(DIGITS, 2)}`, [
    "0".repeat(32) + "-us1",
  ], {
    entropy: 3,
    samples: { match: [{ text: `MAILCHIMP_KEY=${mailchimp}-us14`, secret: mailchimp }], noMatch: ["0".repeat(32) + "-us1", "cross-use"] },
  }),
  anchored("flyio-token", "fly.io access token", ["fm1a_", "fm1r_", "fm2_", "fo1_"], rx("(?:fm1[ar]|fm2|fo1)_[A-Za-z0-9+/=_-]{40,}"), `fm2_${f(B64, 60)}`, ["fm2_short"]),
  anchored("cloudflare-origin-ca-key", "Cloudflare origin CA key", ["v1.0-"], rx("v1\\.0-[a-f0-9]{24}-[a-f0-9]{146}"), `v1.0-${f(HEX, 24)}-${f(HEX, 146)}`, ["v1.0-abc"]),
  anchored("planetscale-token", "PlanetScale password or token", ["pscale_"], rx("pscale_(?:pw|tkn|oauth)_[A-Za-z0-9_.=-]{32,64}"), `pscale_pw_${f(B64URL, 43)}`, ["pscale_pw_short"]),
  anchored("supabase-secret-key", "Supabase secret key or personal access token", ["sb_secret_", "sbp_"], rx("sb_secret_[A-Za-z0-9_-]{31,}|sbp_[a-f0-9]{40}"), `sbp_${f(HEX, 40)}`, ["sbp_abc"]),
  anchored("algolia-admin-key", "Algolia admin API key", ["algolia"], /algolia[\w.-]{0,20}?(?:admin|write)[\w.-]{0,20}?["']?[ \t]*[:=][ \t]*["']?([a-f0-9]{32})(?![a-f0-9])/gi, `${f(HEX, 32)}`, [
    "algolia_admin_key = 00000000000000000000000000000000",
  ], {
    entropy: 3,
    samples: { match: [{ text: `ALGOLIA_ADMIN_KEY=${fake(HEX, 32, 1499)}`, secret: fake(HEX, 32, 1499) }], noMatch: ["algolia_admin_key = <key>"] },
  }),
  anchored("nats-nkey-seed", "NATS NKey seed (private key of a user, account, operator or server)", [], /(?<![A-Za-z0-9])(S[UANOCPX][A-Z2-7]{56})(?![A-Za-z0-9])/g, `SU${f(BASE32, 56)}`, [
    "SU" + "A".repeat(56),
    "U" + "A".repeat(56),
  ], {
    entropy: 3.5,
    // No keyword: a seed is 58 base32 characters, so only fragments with such a run are searched.
    run: { chars: BASE32, length: 58 },
  }),
  anchored("dropbox-token", "Dropbox short- or long-lived access token", ["sl."], rx(`sl\\.[A-Za-z0-9_-]{130,160}`), `sl.${f(B64URL, 138)}`, ["sl.short"], { entropy: 3.5 }),
  anchored("okta-api-token", "Okta API token", ["okta"], /okta[\w.-]{0,20}?(?:token|key)["']?[ \t]*[:=][ \t]*["']?(00[A-Za-z0-9_-]{40})(?![A-Za-z0-9_-])/gi, `00${f(B64URL, 40)}`, ["okta_token = 00abc"], {
    samples: { match: [{ text: `OKTA_API_TOKEN=00${fake(B64URL, 40, 1498)}`, secret: `00${fake(B64URL, 40, 1498)}` }], noMatch: ["okta_token = 00abc"] },
  }),
];
