package dev.scaivault.testkit;

import java.time.Instant;

/** A live lease as the dev server sees it (no password). */
public record LeaseInfo(
        String id,
        String engine,
        String role,
        String username,
        Instant issuedAt,
        Instant expiresAt,
        Instant maxExpiresAt) {}
