/**
 * The connectivity doctor: plain, blocking checks of what a hub or connector needs, each one
 * {@link dev.outpost.hub.doctor.Check} with OK / WARN / FAIL and a hint, collected in a
 * {@link dev.outpost.hub.doctor.DoctorReport} (text or JSON). One class per family of checks;
 * {@link dev.outpost.hub.doctor.HubDoctor} runs a hub's, the connector module its own. See
 * {@code docs/doctor.md}.
 */
package dev.outpost.hub.doctor;
