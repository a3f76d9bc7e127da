/**
 * Proof that no secret reaches a log line: {@link dev.scaivault.testkit.leak.LeakCheck} fails a test when a
 * registered secret, or any credential the dev server issued, appears in any logging event.
 */
package dev.scaivault.testkit.leak;
