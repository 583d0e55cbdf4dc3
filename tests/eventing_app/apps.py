from socialapp import service_app


class EventTestsConfig(service_app.ServiceAppConfig):
    name = "tests.eventing_app"
    label = "eventtests"
    service = "eventtests"
    ports = ("tests.eventing_app.contracts.StampPort",)
    handler_modules = ("events", "recorder")
