package dev.scaivault;

import java.time.Instant;
import java.util.List;

/** Who ScaiVault thinks we are ({@code GET /v1/auth/whoami}). */
public record Identity(
        String identityId,
        String identityType,
        String displayName,
        String tenantId,
        List<String> scopes,
        List<String> roles,
        Instant tokenExpiresAt) {}
