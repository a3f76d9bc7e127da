/**
 * Replays, on a real directory, exactly how each delivery path changes secret files: kubelet's atomic
 * writer ({@link dev.scaivault.testkit.files.KubeletVolume}), sidecars that write in place or rename over
 * ({@link dev.scaivault.testkit.files.InPlaceWriter}, {@link dev.scaivault.testkit.files.RenameOverWriter})
 * and the remaining plain changes ({@link dev.scaivault.testkit.files.PlainFiles}).
 */
package dev.scaivault.testkit.files;
