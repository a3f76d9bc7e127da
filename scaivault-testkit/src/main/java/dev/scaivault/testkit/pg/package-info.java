/**
 * A real PostgreSQL server for tests ({@link dev.scaivault.testkit.pg.TestPostgres}) that authenticates
 * application roles the way production does, so a stale or revoked credential fails as it would there.
 */
package dev.scaivault.testkit.pg;
