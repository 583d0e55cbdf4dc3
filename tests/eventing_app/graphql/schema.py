import graphene


class Query(graphene.ObjectType):
    eventtests_ping = graphene.String(default_value="pong")
