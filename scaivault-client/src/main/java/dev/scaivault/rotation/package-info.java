/**
 * Static secrets that ScaiVault rotates: {@link dev.scaivault.rotation.RotatingSecretSource} follows one
 * secret path through rotation events, with a periodic read as the safety net (or polling alone), and hands
 * each new version to its subscribers as a change.
 */
package dev.scaivault.rotation;
