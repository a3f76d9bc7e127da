package dev.scaivault;

import java.time.Instant;

/** What a write created: the secret's path and its new version. */
public record SecretVersion(String path, long version, Instant updatedAt) {}
