/**
 * Wire formats shared by every Outpost role: what a measurement is, how measurements travel in
 * batches with per-source sequence numbers, and the messages of the LAN link and the command
 * channel. Records only, plus {@link dev.outpost.protocol.Wire}, the one place that turns them
 * into bytes. See {@code protocol/README.md} for the format and its versioning rules.
 */
package dev.outpost.protocol;
