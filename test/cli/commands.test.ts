import { expect, test } from "@jest/globals";
import { cli, removeDir, tempDir, writeFiles } from "./cli-helpers.js";

test.each([["policy"], ["verify"], ["evaluate"], ["scan"], ["audit"], ["keys"], ["doctor"]])("`vouch %s --help` is registered and exits 0", async (command) => {
  const dir = tempDir();
  try {
    const res = await cli([command, "--help"], dir);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Usage: vouch ${command}`);
  } finally {
    removeDir(dir);
  }
});

test("`vouch scan` through the real entry point: a blocking finding exits 1 and prints no secret", async () => {
  const dir = tempDir();
  const secret = "7gK3Xq9vLm2Rt8YpWz4Nc6Bd1Fh5Js0UaErTyUiQ";
  try {
    writeFiles(dir, { "src/config.py": `aws_access_key_id = "AKIAQYLPMN5HHHFPZAM2"\naws_secret_access_key = "${secret}"\n` });
    const res = await cli(["scan", "--format", "json", "src"], dir);
    expect(res.code).toBe(1);
    const findings = res.stdout.trim().split("\n").map((l) => JSON.parse(l) as { path: string; line: number; rule: string });
    expect(findings.map((f) => [f.path, f.line])).toEqual([
      ["config.py", 1],
      ["config.py", 2],
    ]);
    expect(res.stdout + res.stderr).not.toContain(secret);
  } finally {
    removeDir(dir);
  }
});

test("an unknown command is a usage error (exit 2)", async () => {
  const dir = tempDir();
  try {
    expect((await cli(["no-such-command"], dir)).code).toBe(2);
  } finally {
    removeDir(dir);
  }
});
