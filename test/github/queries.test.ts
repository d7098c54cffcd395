import { expect, test } from "@jest/globals";
import { validate } from "@octokit/graphql-schema";
import { ALL_QUERIES } from "../../src/github/queries.js";

test.each(Object.entries(ALL_QUERIES))("GraphQL document %s is valid against GitHub's published schema", (_name, query) => {
  expect(validate(query).map((e) => e.message)).toEqual([]);
});

test("the validator does reject a field GitHub does not have", () => {
  expect(validate("query { repository(owner: \"a\", name: \"b\") { noSuchField } }").length).toBeGreaterThan(0);
});
