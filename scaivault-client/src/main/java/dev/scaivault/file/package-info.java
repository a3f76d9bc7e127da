/**
 * Secrets delivered as files: a Kubernetes Secret volume, the Secrets Store CSI driver, an init container
 * or a sidecar. {@link dev.scaivault.file.FileSource} watches one file or directory, reads it only once a
 * writer has finished, and never serves a torn read; {@link dev.scaivault.file.FileFormat} says how the
 * content becomes key/value pairs. See {@code docs/files.md} for how each writer changes files.
 */
package dev.scaivault.file;
