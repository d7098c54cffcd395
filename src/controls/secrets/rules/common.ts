/** Filters shared by many rules: values that are templates, references or placeholders, never real secrets. */

/** Tested against the secret of every rule unless the rule opts out. */
export const GLOBAL_VALUE_ALLOWLIST: RegExp[] = [
  /^\$\{[^}]*\}$/, // ${VAR}
  /\$\{\{[^}]*\}\}/, // ${{ secrets.X }}
  /\{\{[^}]*\}\}/, // {{ template }}
  /^%[A-Za-z_][A-Za-z0-9_]*%$/, // %VAR%
  /^<[^>]*>$/, // <your-token>
  /^\$[A-Za-z_][A-Za-z0-9_]*$/, // $VAR
  /^(.)\1+$/, // xxxxxxxx
  /^(?:true|false|null|none|nil|undefined)$/i,
];

/** Substrings that mark a value as a placeholder for vendor-anchored rules. */
export const PLACEHOLDER_STOPWORDS = ["example", "xxxxxx", "******", "placeholder", "your_", "your-", "redacted", "changeme"];
