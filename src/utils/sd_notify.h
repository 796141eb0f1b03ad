// Readiness notification for a service manager (systemd Type=notify): when
// NOTIFY_SOCKET is set, the postmaster reports READY=1, STOPPING=1 and status
// lines over that datagram socket. Without it, nothing happens.
#pragma once

#include <string_view>

namespace tusk {

void SdNotify(std::string_view state);

}  // namespace tusk
