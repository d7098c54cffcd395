/** Package-registry publish tokens: npm (checksummed like GitHub), PyPI macaroons, RubyGems, NuGet, and `.npmrc` auth. */
import { hasValidTokenChecksum } from "../checksum.js";
import type { SecretRule } from "../types.js";
import { ALNUM, B64, B64URL, checksummedToken, fake, HEX, LOWER, DIGITS } from "./fake.js";
import { PLACEHOLDER_STOPWORDS } from "./common.js";

const npm = checksummedToken("npm", 801);
const npmBad = checksummedToken("npm", 802, false);
const pypi = `pypi-AgEIcHlwaS5vcmc${fake(B64URL, 70, 803)}`;
const rubygems = `rubygems_${fake(HEX, 48, 804)}`;
const nuget = `oy2${fake(LOWER + DIGITS, 43, 805)}`;
const npmrcToken = fake(ALNUM, 36, 806);
const npmrcAuth = `${fake(B64, 30, 807)}==`;

export const registryRules: SecretRule[] = [
  {
    id: "npm-access-token",
    description: "npm access token",
    keywords: ["npm_"],
    regex: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    validate: ({ secret }) => (hasValidTokenChecksum(secret) ? true : "warn"),
    samples: {
      match: [
        { text: `//registry.npmjs.org/:_authToken=${npm}`, secret: npm },
        { text: `NPM_TOKEN: "${npmBad}"`, secret: npmBad },
      ],
      noMatch: ["npm_config_cache=/tmp/x", `npm_${"x".repeat(36)}`],
    },
  },
  {
    id: "pypi-upload-token",
    description: "PyPI upload token",
    keywords: ["pypi-ageichlwas5vcmc"],
    regex: /(?<![A-Za-z0-9_-])(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})(?![A-Za-z0-9_-])/g,
    severity: "block",
    samples: {
      match: [{ text: `password = ${pypi}`, secret: pypi }],
      noMatch: ["pypi-AgEIcHlwaS5vcmc"],
    },
  },
  {
    id: "rubygems-api-key",
    description: "RubyGems API key",
    keywords: ["rubygems_"],
    regex: /(?<![A-Za-z0-9_])(rubygems_[a-f0-9]{48})(?![A-Za-z0-9_])/g,
    entropy: 3,
    severity: "block",
    samples: {
      match: [{ text: `:rubygems_api_key: ${rubygems}`, secret: rubygems }],
      noMatch: ["rubygems_api_key", `rubygems_${"0".repeat(48)}`],
    },
  },
  {
    id: "nuget-api-key",
    description: "NuGet.org API key",
    keywords: ["oy2"],
    regex: /(?<![A-Za-z0-9])(oy2[a-z0-9]{43})(?![A-Za-z0-9])/g,
    entropy: 3.5,
    severity: "block",
    samples: {
      match: [{ text: `dotnet nuget push pkg.nupkg --api-key ${nuget}`, secret: nuget }],
      noMatch: [`oy2${"a".repeat(43)}`, "toy2abc"],
    },
  },
  {
    id: "npmrc-auth",
    description: "Registry credentials in an .npmrc file",
    keywords: ["_authtoken", "_auth", "_password"],
    path: /(?:^|\/)\.npmrc$/,
    regex: /(?:_authToken|_auth|_password)[ \t]*=[ \t]*["']?([^\s"'#;]{8,})/g,
    allowlist: { stopwords: PLACEHOLDER_STOPWORDS },
    severity: "block",
    samples: {
      path: "packages/app/.npmrc",
      match: [
        { text: `//npm.pkg.example.invalid/:_authToken=${npmrcToken}`, secret: npmrcToken },
        { text: `_auth = ${npmrcAuth}`, secret: npmrcAuth },
      ],
      noMatch: ["//registry.npmjs.org/:_authToken=${NPM_TOKEN}", "registry=https://registry.npmjs.org/"],
    },
  },
];
