// The postmaster: listens, forks a backend per connection and the auxiliary
// processes, reaps them, and runs the start/shutdown/crash state machine.
#pragma once

namespace tusk::postmaster {

// argv[0] is "server"; runs in the foreground until shutdown; returns the exit code.
int PostmasterMain(int argc, char** argv);

}  // namespace tusk::postmaster
