/** AI provider API keys: OpenAI, Anthropic, Hugging Face, Groq, Perplexity, OpenRouter. */
import type { SecretRule } from "../types.js";
import { ALNUM, B64URL, fake, HEX, LOWER } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const openaiLegacy = `sk-${fake(ALNUM, 20, 901)}T3BlbkFJ${fake(ALNUM, 20, 902)}`;
const openaiProject = `sk-proj-${fake(B64URL, 74, 903)}T3BlbkFJ${fake(B64URL, 74, 904)}`;
const anthropic = `sk-ant-api03-${fake(B64URL, 93, 905)}AA`;
const hf = `hf_${fake(LOWER + LOWER.toUpperCase(), 34, 906)}`;
const groq = `gsk_${fake(ALNUM, 52, 907)}`;
const pplx = `pplx-${fake(ALNUM, 48, 908)}`;
const openrouter = `sk-or-v1-${fake(HEX, 64, 909)}`;

const anchored = (
  id: string,
  description: string,
  keywords: string[],
  regex: RegExp,
  positives: string[],
  noMatch: string[],
  entropy?: number,
): SecretRule => ({
  id,
  description,
  keywords,
  regex,
  ...(entropy === undefined ? {} : { entropy }),
  allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
  severity: "block",
  samples: {
    match: positives.flatMap((p) => [
      { text: `API_KEY="${p}"`, secret: p },
      { text: `key: ${p}`, secret: p },
    ]),
    noMatch,
  },
});

export const aiRules: SecretRule[] = [
  anchored(
    "openai-api-key",
    "OpenAI API key (user, project, service-account or admin)",
    ["t3blbkfj"],
    /(?<![A-Za-z0-9_-])(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200})(?![A-Za-z0-9_-])/g,
    [openaiProject, openaiLegacy],
    [`sk-${fake(ALNUM, 48, 910)}`, "sk-proj-xxxxxxxxxxxxxxxxxxxxT3BlbkFJxxxxxxxxxxxxxxxxxxxx"],
  ),
  anchored(
    "anthropic-api-key",
    "Anthropic API or admin key",
    ["sk-ant-"],
    /(?<![A-Za-z0-9_-])(sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{93}AA)(?![A-Za-z0-9_-])/g,
    [anthropic],
    ["sk-ant-api03-short", "sk-ant-api03-<key>"],
  ),
  anchored(
    "huggingface-token",
    "Hugging Face access token",
    ["hf_"],
    /(?<![A-Za-z0-9_])(hf_[A-Za-z]{34})(?![A-Za-z0-9_])/g,
    [hf],
    ["hf_hub_download_with_long_name_xx", `hf_${"a".repeat(34)}`],
    3.5,
  ),
  anchored(
    "groq-api-key",
    "Groq API key",
    ["gsk_"],
    /(?<![A-Za-z0-9_])(gsk_[A-Za-z0-9]{52})(?![A-Za-z0-9_])/g,
    [groq],
    ["gsk_short"],
  ),
  anchored(
    "perplexity-api-key",
    "Perplexity API key",
    ["pplx-"],
    /(?<![A-Za-z0-9_-])(pplx-[A-Za-z0-9]{48})(?![A-Za-z0-9_-])/g,
    [pplx],
    ["pplx-short"],
  ),
  anchored(
    "openrouter-api-key",
    "OpenRouter API key",
    ["sk-or-v1-"],
    /(?<![A-Za-z0-9_-])(sk-or-v1-[a-f0-9]{64})(?![A-Za-z0-9_-])/g,
    [openrouter],
    ["sk-or-v1-abc"],
  ),
];
