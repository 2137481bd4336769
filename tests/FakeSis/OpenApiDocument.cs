namespace RosterSync.FakeSis;

/// <summary>The fake's OpenAPI document: Ed-Fi's Student and StudentSchoolAssociation request schemas, trimmed.</summary>
public static class OpenApiDocument
{
    public const string Json = """
{
 "openapi": "3.0.1",
 "info": {
  "title": "Fake SIS (Ed-Fi ODS/API shaped)",
  "version": "7.2"
 },
 "components": {
  "securitySchemes": {
   "oauth2_client_credentials": {
    "type": "oauth2",
    "flows": {
     "clientCredentials": {
      "tokenUrl": "/oauth/token",
      "scopes": {}
     }
    }
   }
  },
  "schemas": {
   "edFi_student": {
    "type": "object",
    "required": [
     "studentUniqueId",
     "birthDate",
     "firstName",
     "lastSurname"
    ],
    "properties": {
     "studentUniqueId": {
      "type": "string",
      "maxLength": 32,
      "description": "A unique alphanumeric code assigned to a student."
     },
     "birthDate": {
      "type": "string",
      "format": "date"
     },
     "firstName": {
      "type": "string",
      "maxLength": 75
     },
     "middleName": {
      "type": "string",
      "maxLength": 75
     },
     "lastSurname": {
      "type": "string",
      "maxLength": 75
     },
     "sexDescriptor": {
      "type": "string",
      "enum": [
       "uri://ed-fi.org/SexDescriptor#Female",
       "uri://ed-fi.org/SexDescriptor#Male",
       "uri://ed-fi.org/SexDescriptor#Not Selected"
      ]
     },
     "electronicMailAddress": {
      "type": "string",
      "format": "email"
     },
     "homeLanguage": {
      "type": "string"
     },
     "addresses": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/edFi_studentAddress"
      }
     },
     "contacts": {
      "type": "array",
      "items": {
       "$ref": "#/components/schemas/edFi_studentContact"
      }
     }
    }
   },
   "edFi_studentAddress": {
    "type": "object",
    "required": [
     "streetNumberName",
     "city",
     "postalCode"
    ],
    "properties": {
     "streetNumberName": {
      "type": "string"
     },
     "city": {
      "type": "string"
     },
     "stateAbbreviation": {
      "type": "string",
      "maxLength": 2
     },
     "postalCode": {
      "type": "string",
      "pattern": "^[0-9]{5}(-[0-9]{4})?$"
     }
    }
   },
   "edFi_studentContact": {
    "type": "object",
    "properties": {
     "firstName": {
      "type": "string"
     },
     "lastSurname": {
      "type": "string"
     },
     "telephoneNumber": {
      "type": "string"
     },
     "electronicMailAddress": {
      "type": "string",
      "format": "email"
     },
     "relation": {
      "type": "string"
     }
    }
   },
   "edFi_studentSchoolAssociation": {
    "type": "object",
    "required": [
     "studentReference",
     "schoolReference",
     "entryDate",
     "entryGradeLevelDescriptor"
    ],
    "properties": {
     "studentReference": {
      "type": "object",
      "required": [
       "studentUniqueId"
      ],
      "properties": {
       "studentUniqueId": {
        "type": "string"
       }
      }
     },
     "schoolReference": {
      "type": "object",
      "required": [
       "schoolId"
      ],
      "properties": {
       "schoolId": {
        "type": "integer",
        "format": "int64"
       }
      }
     },
     "entryDate": {
      "type": "string",
      "format": "date"
     },
     "entryGradeLevelDescriptor": {
      "type": "string",
      "enum": [
       "uri://ed-fi.org/GradeLevelDescriptor#Kindergarten",
       "uri://ed-fi.org/GradeLevelDescriptor#First grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Second grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Third grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Fourth grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Fifth grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Sixth grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Seventh grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Eighth grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Ninth grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Tenth grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Eleventh grade",
       "uri://ed-fi.org/GradeLevelDescriptor#Twelfth grade"
      ]
     }
    }
   },
   "problem": {
    "type": "object",
    "properties": {
     "type": {
      "type": "string"
     },
     "title": {
      "type": "string"
     },
     "status": {
      "type": "integer"
     },
     "detail": {
      "type": "string"
     },
     "correlationId": {
      "type": "string"
     },
     "validationErrors": {
      "type": "object",
      "additionalProperties": {
       "type": "array",
       "items": {
        "type": "string"
       }
      }
     },
     "errors": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    }
   }
  }
 },
 "security": [
  {
   "oauth2_client_credentials": []
  }
 ],
 "paths": {
  "/students": {
   "post": {
    "summary": "Creates or updates a student by studentUniqueId",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/edFi_student"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Updated (upsert by natural key)"
     },
     "201": {
      "description": "Created"
     },
     "400": {
      "description": "Validation failed",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/problem"
        }
       }
      }
     },
     "409": {
      "description": "Invalid reference",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/problem"
        }
       }
      }
     }
    }
   }
  },
  "/studentSchoolAssociations": {
   "post": {
    "summary": "Creates or updates a student's school association",
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/edFi_studentSchoolAssociation"
       }
      }
     }
    },
    "responses": {
     "200": {
      "description": "Updated (upsert by natural key)"
     },
     "201": {
      "description": "Created"
     },
     "400": {
      "description": "Validation failed",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/problem"
        }
       }
      }
     },
     "409": {
      "description": "Invalid reference",
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/problem"
        }
       }
      }
     }
    }
   }
  }
 }
}
""";
}
