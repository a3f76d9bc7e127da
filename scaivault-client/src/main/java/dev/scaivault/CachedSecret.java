package dev.scaivault;

import java.time.Instant;
import java.util.Optional;

/**
 * A secret as the cache holds it.
 *
 * @param secret the value
 * @param fetchedAt when it was last read from ScaiVault
 * @param stale true when a re-read failed and this is the last good value, served because ScaiVault could
 *     not be reached
 * @param lastError why the last re-read failed, if it did
 */
public record CachedSecret(Secret secret, Instant fetchedAt, boolean stale, Optional<String> lastError) {}
