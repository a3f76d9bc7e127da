/**
 * Verifying ScaiVault webhook deliveries (HMAC-SHA256 over timestamp and body) in whatever HTTP server
 * receives them: {@link dev.scaivault.webhook.WebhookVerifier}.
 */
package dev.scaivault.webhook;
