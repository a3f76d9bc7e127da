/** The first program to run: the dev server and the client, end to end. */
package dev.scaivault.examples.quickstart;
